import 'server-only';
import type { TaskPage, TaskSummary } from '@/lib/schemas/api';
import type { TaskListQuery } from '@/lib/schemas/task-query';
import type { TrellisContext } from '../context';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfter, type Position } from './cursor';
import { deriveTask, toSummary, type DerivedTask } from './derive';
import { parseTaskDoc } from './task-doc';
import { fromRef, toRef } from '../store/task-ref';

// Lists tasks newest first. The most selective index drives the scan (root, worker, queue, name;
// otherwise the state indexes, merged); the remaining filters are checked on the documents. A
// bounded scan budget keeps a request cheap on a rare match: the page may then come back short,
// with a cursor to continue from.

const SCAN_BUDGET = 5_000;

/** Positions hold refs (index members), not ids: their order is the index's order. */
interface Source {
  key?: string;
  /** A fixed list instead of an index (the root task itself, for `root=`). */
  fixed?: Position[];
}

export async function listTasks(ctx: TrellisContext, q: TaskListQuery): Promise<TaskPage> {
  const { sources, checks } = await plan(ctx, q);
  const states = q.state ? new Set(q.state) : null;
  const needle = q.q?.toLowerCase() ?? null;
  const matches = (t: DerivedTask): boolean =>
    (!checks.state || !states || states.has(t.state)) &&
    (!checks.name || t.name === q.name) &&
    (!checks.worker || t.worker === q.worker) &&
    (!checks.queue || t.queue === q.queue) &&
    (!needle || [t.id, t.name, t.args, t.kwargs].some((s) => s?.toLowerCase().includes(needle)));

  let pos: Position | null = q.cursor ? decodeCursor(q.cursor) : null;
  const max = pos ? pos.score : (q.until ?? Infinity);
  const min = q.since ?? -Infinity;
  const items: TaskSummary[] = [];
  let scanned = 0;
  let batch = Math.min(1_000, q.limit + 1);
  let exhausted = false;

  while (items.length < q.limit && scanned < SCAN_BUDGET) {
    const { candidates, complete } = await fetchCandidates(ctx, sources, pos ? pos.score : max, min, batch);
    const after = pos;
    const fresh = after ? candidates.filter((c) => isAfter(c, after)) : candidates;
    if (fresh.length === 0) {
      if (complete) {
        exhausted = true;
        break;
      }
      batch = Math.min(batch * 4, 20_000); // every fetched item shared the cursor's score: look further
      continue;
    }
    const ids = fresh.map((c) => fromRef(c.id));
    const docs = await ctx.store.mget(ids.map((id) => ctx.keys.task(id)));
    let i = 0;
    for (; i < fresh.length && items.length < q.limit; i++) {
      const c = fresh[i] as Position;
      pos = c;
      scanned++;
      const id = ids[i] as string;
      const doc = parseTaskDoc(docs[i], id);
      if (!doc) continue; // removed by retention between the index read and now
      const t = deriveTask(id, doc);
      if (matches(t)) items.push(toSummary(t));
    }
    if (complete && i === fresh.length) {
      exhausted = true;
      break;
    }
    batch = Math.min(1_000, Math.max(batch, (q.limit - items.length) * 4));
  }
  return { items, nextCursor: !exhausted && pos ? encodeCursor(pos) : null };
}

async function plan(ctx: TrellisContext, q: TaskListQuery) {
  const k = ctx.keys;
  const checks = { state: true, name: true, worker: true, queue: true };
  if (q.root) {
    const rootDoc = parseTaskDoc(await ctx.store.get(k.task(q.root)), q.root);
    const fixed = rootDoc ? [{ score: deriveTask(q.root, rootDoc).firstSeen, id: toRef(q.root) }] : [];
    return { sources: [{ key: k.index('root', q.root) }, { fixed }] as Source[], checks };
  }
  if (q.worker) return { sources: [{ key: k.index('worker', q.worker) }], checks: { ...checks, worker: false } };
  if (q.queue) return { sources: [{ key: k.index('queue', q.queue) }], checks: { ...checks, queue: false } };
  if (q.name) return { sources: [{ key: k.index('name', q.name) }], checks: { ...checks, name: false } };
  const states = q.state ?? (await ctx.store.smembers(k.registry('state')));
  return { sources: states.map((s) => ({ key: k.index('state', s) })), checks: { ...checks, state: false } };
}

/**
 * Up to `batch` items per source with score in [min, upper], merged newest first. Only items
 * above the lowest score any full source returned are certainly in order across sources; the rest
 * wait for the next round. `complete` says no source has more below what was returned.
 */
async function fetchCandidates(ctx: TrellisContext, sources: Source[], upper: number, min: number, batch: number) {
  const pipe = ctx.store.pipeline();
  const hi = upper === Infinity ? '+inf' : String(upper);
  const lo = min === -Infinity ? '-inf' : String(min);
  for (const s of sources) if (s.key) pipe.zrevrangebyscore(s.key, hi, lo, 'WITHSCORES', 'LIMIT', 0, batch);
  const res = (await pipe.exec()) ?? [];
  let floor = -Infinity;
  const all: Position[] = [];
  let r = 0;
  for (const s of sources) {
    if (s.fixed) {
      all.push(...s.fixed.filter((p) => p.score <= upper && p.score >= min));
      continue;
    }
    const [err, flat] = res[r++] ?? [null, []];
    if (err) throw err;
    const arr = (flat as string[] | null) ?? [];
    for (let i = 0; i < arr.length; i += 2) all.push({ id: arr[i] as string, score: Number(arr[i + 1]) });
    if (arr.length / 2 >= batch) floor = Math.max(floor, Number(arr[arr.length - 1]));
  }
  all.sort(compareNewestFirst);
  const complete = floor === -Infinity;
  return { candidates: complete ? all : all.filter((p) => p.score > floor), complete };
}
