import 'server-only';
import type { TrellisContext } from '../context';
import { decodeResultMeta, exceptionText, parseDateDone } from '../celery/result-meta';
import { isFinalState } from '../celery/states';
import type { StoredEvent } from '../tasks/stored-event';
import { fromRef } from '../store/task-ref';

// After a gap, tasks the store still shows as unfinished may have finished unseen. Their truth is in
// the result backend (`celery-task-meta-<id>`); each difference becomes an inferred event, so the
// history says what was observed and what was reconciled.

const OPEN_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY'];
const MAX_CHECKED = 20_000;
const BATCH = 500;

export interface ReconcileResult {
  checked: number;
  events: Map<string, StoredEvent[]>;
}

export async function findReconciliations(ctx: TrellisContext, nowS: number): Promise<ReconcileResult> {
  const per = Math.floor(MAX_CHECKED / OPEN_STATES.length);
  const pipe = ctx.store.pipeline();
  for (const s of OPEN_STATES) pipe.zrevrange(ctx.keys.index('state', s), 0, per - 1, 'WITHSCORES');
  const results = (await pipe.exec()) ?? [];
  const candidates: Array<{ id: string; state: string }> = [];
  results.forEach(([err, value], i) => {
    if (err || !Array.isArray(value)) return;
    for (let j = 0; j < value.length; j += 2) candidates.push({ id: fromRef(String(value[j])), state: OPEN_STATES[i] ?? 'PENDING' });
  });

  const events = new Map<string, StoredEvent[]>();
  for (let i = 0; i < candidates.length; i += BATCH) {
    const chunk = candidates.slice(i, i + BATCH);
    const metas = await ctx.backend.mgetBuffer(...chunk.map((c) => ctx.results.taskMetaKey(c.id)));
    chunk.forEach((c, j) => {
      const meta = decodeResultMeta(metas[j] ?? null);
      if (!meta || meta.status === 'UNKNOWN' || meta.status === c.state) return;
      // STARTED in the backend is older news than RECEIVED/STARTED events we hold; only act on progress.
      if (!isFinalState(meta.status) && !(meta.status === 'STARTED' && c.state !== 'STARTED')) return;
      const doneAt = parseDateDone(meta.dateDone);
      const ev: StoredEvent = {
        type: 'trellis-reconciled',
        state: meta.status,
        lr: nowS,
        inferred: true,
        ...(doneAt !== null ? { timestamp: doneAt } : {}),
        ...(meta.status === 'SUCCESS' ? { result: meta.result } : {}),
        ...(meta.status === 'FAILURE' || meta.status === 'REVOKED'
          ? { exception: exceptionText(meta.result), traceback: meta.traceback }
          : {}),
        ...(typeof meta.extra.queue === 'string' ? { queue: meta.extra.queue } : {}),
        ...(typeof meta.extra.worker === 'string' ? { worker: meta.extra.worker } : {}),
      };
      events.set(c.id, [ev]);
    });
  }
  return { checked: candidates.length, events };
}
