import { z } from 'zod';
import { deriveTask } from '../tasks/derive';
import type { StoredEvent } from '../tasks/stored-event';
import { FINAL_STATES, type WorkflowTask } from './types';

// A workflow's tasks from their events and result metas. Events give times and the live state; the
// meta gives the group a task belongs to, and the final state when an event was missed.

const MetaSchema = z.looseObject({
  status: z.string(),
  result: z.unknown().optional(),
  children: z.array(z.unknown()).nullish(),
  date_done: z.string().nullish(),
  name: z.string().nullish(),
  parent_id: z.string().nullish(),
  group_id: z.string().nullish(),
});
export type ResultMeta = z.infer<typeof MetaSchema>;

export function parseMeta(raw: string | undefined): ResultMeta | null {
  if (raw === undefined) return null;
  try {
    const parsed = MetaSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** date_done: naive UTC up to Celery 5.4, with an offset from 5.5 (protocol doc §7). */
function doneAt(dateDone: string | null | undefined): number | null {
  if (!dateDone) return null;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(dateDone) ? dateDone : `${dateDone}Z`);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

export function buildTask(id: string, events: readonly StoredEvent[] | undefined, meta: ResultMeta | null): WorkflowTask {
  const d = events && events.length > 0 ? deriveTask(id, { e: [...events] }) : null;
  const eventState = d?.state ?? null;
  const metaFinal = meta && FINAL_STATES.has(meta.status) ? meta.status : null;
  const state = eventState && FINAL_STATES.has(eventState) ? eventState : (metaFinal ?? eventState ?? meta?.status ?? 'PENDING');
  return {
    id,
    name: d?.name ?? meta?.name ?? null,
    state,
    parentId: d?.parentId ?? meta?.parent_id ?? null,
    groupId: meta?.group_id ?? null,
    sent: d?.sent ?? d?.received ?? null,
    started: d?.started ?? null,
    ended: d?.ended ?? (metaFinal ? doneAt(meta?.date_done) : null),
    lastUpdate: d?.lastUpdate ?? doneAt(meta?.date_done) ?? 0,
  };
}
