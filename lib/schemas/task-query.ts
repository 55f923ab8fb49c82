import { z } from 'zod';

// Query parameters of GET /api/v1/tasks, shared by the route and the UI's URL state.

/** Epoch seconds or ISO 8601 → epoch seconds. */
export const TimeParam = z.string().transform((text, ctx) => {
  const trimmed = text.trim();
  const n = Number(trimmed);
  if (trimmed !== '' && Number.isFinite(n)) return n;
  const ms = Date.parse(trimmed);
  if (Number.isFinite(ms)) return ms / 1000;
  ctx.addIssue({ code: 'custom', message: `"${text}" is neither epoch seconds nor an ISO 8601 time` });
  return z.NEVER;
});

const oneOrMany = <T extends z.ZodType>(item: T) => z.union([item, z.array(item)]).transform((v) => (Array.isArray(v) ? v : [v]));

const StateName = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[A-Za-z_]+$/, 'a state is letters and underscores, e.g. SUCCESS')
  .transform((s) => s.toUpperCase());

const text = (max: number) => z.string().min(1).max(max);

export const TaskListQuery = z
  .object({
    state: oneOrMany(StateName).optional().describe('repeatable; any of these states'),
    name: text(300).optional().describe('task name'),
    worker: text(300).optional().describe('worker hostname'),
    queue: text(300).optional().describe('queue (routing key)'),
    root: text(200).optional().describe('workflow root id (includes the root itself)'),
    q: text(200).optional().describe('text in id, name, args or kwargs'),
    since: TimeParam.optional().describe('first seen at or after (epoch seconds or ISO 8601)'),
    until: TimeParam.optional().describe('first seen at or before (epoch seconds or ISO 8601)'),
    order: z.enum(['desc', 'asc']).default('desc').describe('by first-seen time: newest (desc) or oldest (asc) first'),
    limit: z.coerce.number().int().min(1).max(500).default(50).describe('page size'),
    cursor: z.string().max(400).optional().describe('opaque: the nextCursor of the previous page'),
  })
  .strict();

export type TaskListQuery = z.output<typeof TaskListQuery>;

export const TaskCountsQuery = z.object({ by: z.enum(['state', 'name', 'worker', 'queue']).default('state') }).strict();
