import 'server-only';
import type { BackendMeta } from '@/lib/schemas/api';
import { readBackendMetas } from '../backend/read-backend-meta';
import type { TrellisContext } from '../context';
import { deriveTask } from '../tasks/derive';
import { parseTaskDoc } from '../tasks/task-doc';
import type { KnownTask } from './retry-plan';

// What a retry needs to know of each task: its record from the store (name, queue, routing, the
// args/kwargs reprs, state) and its result meta from the backend (the extended fields), read in
// chunks of CHUNK ids with one MGET each.

const CHUNK = 1_000;

export interface RetryCandidate {
  task: KnownTask;
  /** The store's state, else the backend's status, else UNKNOWN. */
  state: string;
  meta: BackendMeta | null;
}

export async function readCandidates(ctx: TrellisContext, ids: readonly string[]): Promise<{ candidates: RetryCandidate[]; roundTrips: number }> {
  const candidates: RetryCandidate[] = [];
  let roundTrips = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const [raws, metas] = await Promise.all([ctx.store.mget(chunk.map((id) => ctx.keys.task(id))), readBackendMetas(ctx, [...chunk])]);
    roundTrips += 2;
    chunk.forEach((id, j) => {
      const doc = parseTaskDoc(raws[j], id);
      const meta = metas[j] ?? null;
      const d = doc ? deriveTask(id, doc) : null;
      candidates.push({
        task: { id, name: d?.name ?? null, queue: d?.queue ?? null, exchange: d?.exchange ?? null, routingKey: d?.routingKey ?? null, args: d?.args ?? null, kwargs: d?.kwargs ?? null },
        state: d && d.state !== 'PENDING' ? d.state : (meta?.status ?? d?.state ?? 'UNKNOWN'),
        meta,
      });
    });
  }
  return { candidates, roundTrips };
}
