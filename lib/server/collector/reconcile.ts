import 'server-only';
import type { TrellisContext } from '../context';
import { decodeResultMeta, exceptionText, parseDateDone } from '../celery/result-meta';
import { isFinalState } from '../celery/states';
import { deriveTask } from '../tasks/derive';
import type { StoredEvent } from '../tasks/stored-event';
import { fromRef } from '../store/task-ref';
import { parseTaskDoc } from '../tasks/task-doc';

// After a gap, tasks the store still shows as unfinished may have finished unseen. Their truth is in
// the result backend (`celery-task-meta-<id>`); each difference becomes an inferred event, so the
// history says what was observed and what was reconciled. Tasks still running then are watched and
// checked again for a while: their final events may also have been lost (a worker's events sent
// while its broker connection was down are dropped).

const OPEN_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY'];
const MAX_CHECKED = 20_000;
const BATCH = 500;

export interface Candidate {
  id: string;
  state: string;
}

export interface ReconcileResult {
  checked: number;
  events: Map<string, StoredEvent[]>;
  /** Candidates the backend does not show as finished either. */
  stillOpen: string[];
}

/** Every task the store shows as unfinished (most recent first, bounded), checked against the backend. */
export async function findReconciliations(ctx: TrellisContext, nowS: number): Promise<ReconcileResult> {
  const per = Math.floor(MAX_CHECKED / OPEN_STATES.length);
  const pipe = ctx.store.pipeline();
  for (const s of OPEN_STATES) pipe.zrevrange(ctx.keys.index('state', s), 0, per - 1);
  return reconcile(ctx, candidatesOf((await pipe.exec()) ?? [], OPEN_STATES), nowS);
}

/**
 * Unfinished tasks first seen more than `olderThanS` ago (the most recent `limit` per state),
 * checked against the backend: their final event may have been lost even without a gap (Celery 5.2
 * threads-pool workers drop events in a race). PENDING is left out: a queue backlog is PENDING.
 */
export async function findStale(ctx: TrellisContext, nowS: number, olderThanS: number, limit: number): Promise<ReconcileResult> {
  const states = ['RECEIVED', 'STARTED', 'RETRY'];
  const pipe = ctx.store.pipeline();
  for (const s of states) pipe.zrevrangebyscore(ctx.keys.index('state', s), `(${nowS - olderThanS}`, '-inf', 'LIMIT', 0, limit);
  return reconcile(ctx, candidatesOf((await pipe.exec()) ?? [], states), nowS);
}

/** Index reads (one per state, in order) → candidates carrying the state they were found under. */
function candidatesOf(results: Array<[Error | null, unknown]>, states: readonly string[]): Candidate[] {
  const out: Candidate[] = [];
  results.forEach(([err, refs], i) => {
    if (err || !Array.isArray(refs)) return;
    for (const ref of refs) out.push({ id: fromRef(String(ref)), state: states[i] ?? 'PENDING' });
  });
  return out;
}

/** The given tasks, as the store shows them now, checked against the backend. */
export async function recheck(ctx: TrellisContext, ids: string[], nowS: number): Promise<ReconcileResult> {
  const candidates: Candidate[] = [];
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    const raws = await ctx.store.mget(chunk.map((id) => ctx.keys.task(id)));
    chunk.forEach((id, j) => {
      const doc = parseTaskDoc(raws[j], id);
      const state = doc ? deriveTask(id, doc).state : null;
      if (state && !isFinalState(state)) candidates.push({ id, state });
    });
  }
  return reconcile(ctx, candidates, nowS);
}

async function reconcile(ctx: TrellisContext, candidates: Candidate[], nowS: number): Promise<ReconcileResult> {
  const events = new Map<string, StoredEvent[]>();
  const stillOpen: string[] = [];
  for (let i = 0; i < candidates.length; i += BATCH) {
    const chunk = candidates.slice(i, i + BATCH);
    const metas = await ctx.backend.mgetBuffer(...chunk.map((c) => ctx.results.taskMetaKey(c.id)));
    chunk.forEach((c, j) => {
      const meta = decodeResultMeta(metas[j] ?? null);
      const final = meta !== null && isFinalState(meta.status);
      if (!final) stillOpen.push(c.id);
      if (!meta || meta.status === 'UNKNOWN' || meta.status === c.state) return;
      // STARTED in the backend is news only for a task we last saw before it started.
      if (!final && !(meta.status === 'STARTED' && c.state !== 'STARTED')) return;
      const doneAt = parseDateDone(meta.dateDone);
      events.set(c.id, [
        {
          type: 'trellis-reconciled',
          state: meta.status,
          lr: nowS,
          inferred: true,
          ...(doneAt !== null ? { timestamp: doneAt } : {}),
          ...(meta.status === 'SUCCESS' ? { result: meta.result } : {}),
          ...(meta.status === 'FAILURE' || meta.status === 'REVOKED' ? { exception: exceptionText(meta.result), traceback: meta.traceback } : {}),
          ...(typeof meta.extra.queue === 'string' ? { queue: meta.extra.queue } : {}),
          ...(typeof meta.extra.worker === 'string' ? { worker: meta.extra.worker } : {}),
        },
      ]);
    });
  }
  return { checked: candidates.length, events, stillOpen };
}
