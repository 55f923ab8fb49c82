import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';

// Actions enter the history of the tasks they touch: a capped list per task in the store, which
// task detail shows next to the task's events (revoke requested, retried as / retry of, purged…).

export const TaskActionNoteSchema = z.object({
  /** Epoch seconds. */
  at: z.number(),
  /** revoke-requested, terminate-requested, retried-as, retry-of, purged, restored, moved, deleted. */
  action: z.string(),
  /** Who (principal name). */
  by: z.string(),
  /** The audit entry's id. */
  auditId: z.string().nullable(),
  /** A short description (signal, queue moved to, …). */
  detail: z.string().nullable(),
  /** The other task of a retry link. */
  relatedId: z.string().nullable(),
});
export type TaskActionNote = z.infer<typeof TaskActionNoteSchema>;

const MAX_NOTES = 100;
const PIPELINE_CHUNK = 2_000;

/** Adds one note to each task (`related` maps a task id to its own relatedId). */
export async function noteTaskActions(
  ctx: TrellisContext,
  ids: readonly string[],
  note: Omit<TaskActionNote, 'relatedId'>,
  related?: ReadonlyMap<string, string>,
): Promise<void> {
  const ttl = ctx.config.retention.maxAgeSeconds;
  for (let i = 0; i < ids.length; i += PIPELINE_CHUNK) {
    const pipe = ctx.store.pipeline();
    for (const id of ids.slice(i, i + PIPELINE_CHUNK)) {
      const key = ctx.keys.taskActions(id);
      pipe.lpush(key, JSON.stringify({ ...note, relatedId: related?.get(id) ?? null } satisfies TaskActionNote));
      pipe.ltrim(key, 0, MAX_NOTES - 1);
      pipe.expire(key, ttl);
    }
    await pipe.exec();
  }
}

/** The retry links among a task's notes (retry-tasks.ts writes them both ways). */
export function retryLinks(notes: readonly TaskActionNote[]): { retriedAs: string[]; retryOf: string | null } {
  const related = (action: string) => notes.flatMap((n) => (n.action === action && n.relatedId ? [n.relatedId] : []));
  return { retriedAs: related('retried-as'), retryOf: related('retry-of')[0] ?? null };
}

/** A task's notes, oldest first. */
export async function readTaskActions(ctx: TrellisContext, id: string): Promise<TaskActionNote[]> {
  const raw = await ctx.store.lrange(ctx.keys.taskActions(id), 0, MAX_NOTES - 1);
  return raw
    .map((r) => TaskActionNoteSchema.safeParse(JSON.parse(r)))
    .flatMap((p) => (p.success ? [p.data] : []))
    .reverse();
}
