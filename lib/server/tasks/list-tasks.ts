import 'server-only';
import type { TaskPage, TaskSummary } from '@/lib/schemas/api';
import type { TaskListQuery } from '@/lib/schemas/task-query';
import type { TrellisContext } from '../context';
import { comparator, decodeCursor, encodeCursor, isAfter, type Order, type Position } from './cursor';
import { FULL_VIEW, redactorFor, redactTaskSummary, type RedactView } from '../redaction';
import { deriveTask, toSummary } from './derive';
import { parseTaskDoc } from './task-doc';
import { fromRef, toRef } from '../store/task-ref';
import { withSeekCommand } from './seek-script';

// Lists tasks newest first. The smallest index covering a filter drives the scan (root; else the
// smallest of worker, queue, name and the chosen states' indexes merged); the remaining filters are
// checked on the documents. A
// bounded scan budget keeps a request cheap on a rare match: the page may then come back short,
// with a cursor to continue from.

// Candidates examined per request: filters answered by index membership (ZMSCORE) are cheap;
// free text needs the documents.
const SCAN_BUDGET = 50_000;
const SCAN_BUDGET_TEXT = 5_000;

/** Positions hold refs (index members), not ids: their order is the index's order. */
interface Source {
  key?: string;
  /** A fixed list instead of an index (the root task itself, for `root=`). */
  fixed?: Position[];
}

/** Query as the route validates it; `order` defaults to newest first for internal callers. */
export type ListOptions = Omit<TaskListQuery, 'order'> & { order?: Order };

/** Summaries come redacted for `view`; free text matches only what the caller may see. */
export async function listTasks(ctx: TrellisContext, q: ListOptions, view: RedactView = FULL_VIEW): Promise<TaskPage> {
  const { sources, checks } = await plan(ctx, q);
  const states = q.state ? new Set(q.state) : null;
  const needle = q.q?.toLowerCase() ?? null;
  const redactor = redactorFor(ctx.config);
  const matchesFields = (t: TaskSummary): boolean =>
    (!checks.state || !states || states.has(t.state)) &&
    (!checks.name || q.name === undefined || t.name === q.name) &&
    (!checks.worker || q.worker === undefined || t.worker === q.worker) &&
    (!checks.queue || q.queue === undefined || t.queue === q.queue);
  const matchesText = (t: TaskSummary): boolean => !needle || [t.id, t.name, t.args, t.kwargs].some((s) => s?.toLowerCase().includes(needle));

  const indexChecks = indexCheckKeys(ctx, q, checks);
  const budget = needle ? SCAN_BUDGET_TEXT : SCAN_BUDGET;
  let pos: Position | null = q.cursor ? decodeCursor(q.cursor) : null;
  const order: Order = q.order ?? 'desc';
  const since = q.since ?? -Infinity;
  const until = q.until ?? Infinity;
  const items: TaskSummary[] = [];
  let scanned = 0;
  let batch = Math.min(1_000, q.limit + 1);
  let exhausted = false;

  while (items.length < q.limit && scanned < budget) {
    const { candidates, complete } = await fetchCandidates(ctx, sources, pos, since, until, batch, order);
    const after = pos;
    const fresh = after ? candidates.filter((c) => isAfter(c, after, order)) : candidates;
    if (fresh.length === 0) {
      // Each round starts right after the last position: nothing new means nothing left.
      exhausted = complete;
      break;
    }
    const pass = await passIndexChecks(ctx, indexChecks, fresh);
    const wanted = fresh.filter((_, j) => pass[j]);
    const docs = wanted.length ? await ctx.store.mget(wanted.map((c) => ctx.keys.task(fromRef(c.id)))) : [];
    let i = 0;
    let w = 0;
    for (; i < fresh.length && items.length < q.limit; i++) {
      const c = fresh[i] as Position;
      pos = c;
      scanned++;
      if (!pass[i]) continue;
      const id = fromRef(c.id);
      const doc = parseTaskDoc(docs[w++], id);
      if (!doc) continue; // removed by retention between the index read and now
      const t = toSummary(deriveTask(id, doc));
      if (!matchesFields(t) || !matchesText(t)) continue;
      // Matched again once redacted: a search finds nothing by a secret, nor by the mask alone.
      const visible = redactTaskSummary(t, redactor, view);
      if (matchesText(visible)) items.push(visible);
    }
    if (complete && i === fresh.length) {
      exhausted = true;
      break;
    }
    // Sparse matches by index membership: widen the window (membership checks are cheap).
    batch = indexChecks.length ? Math.min(5_000, batch * 2) : Math.min(1_000, Math.max(batch, (q.limit - items.length) * 4));
  }
  return { items, nextCursor: !exhausted && pos ? encodeCursor(pos) : null };
}

/** For each filter the driving index does not cover: the index keys a match must be in (any of). */
function indexCheckKeys(ctx: TrellisContext, q: ListOptions, checks: Record<'state' | 'name' | 'worker' | 'queue', boolean>): string[][] {
  const k = ctx.keys;
  const groups: string[][] = [];
  if (checks.state && q.state) groups.push(q.state.map((s) => k.index('state', s)));
  if (checks.name && q.name) groups.push([k.index('name', q.name)]);
  if (checks.worker && q.worker) groups.push([k.index('worker', q.worker)]);
  if (checks.queue && q.queue) groups.push([k.index('queue', q.queue)]);
  return groups;
}

/** Which candidates are members of every group (of any key in it): one pipelined ZMSCORE per key. */
async function passIndexChecks(ctx: TrellisContext, groups: string[][], candidates: Position[]): Promise<boolean[]> {
  const pass = candidates.map(() => true);
  if (groups.length === 0 || candidates.length === 0) return pass;
  const refs = candidates.map((c) => c.id);
  const pipe = ctx.store.pipeline();
  for (const group of groups) for (const key of group) pipe.zmscore(key, ...refs);
  const res = (await pipe.exec()) ?? [];
  let r = 0;
  for (const group of groups) {
    const inGroup = candidates.map(() => false);
    for (let g = 0; g < group.length; g++) {
      const [err, scores] = res[r++] ?? [null, []];
      if (err) throw err;
      (scores as Array<string | null>).forEach((score, j) => {
        if (score !== null) inGroup[j] = true;
      });
    }
    inGroup.forEach((ok, j) => (pass[j] = (pass[j] ?? false) && ok));
  }
  return pass;
}

/** Picks the smallest index that covers a filter to drive the scan; the other filters are checked. */
async function plan(ctx: TrellisContext, q: ListOptions) {
  const k = ctx.keys;
  const checks = { state: true, name: true, worker: true, queue: true };
  if (q.root) {
    const rootDoc = parseTaskDoc(await ctx.store.get(k.task(q.root)), q.root);
    const fixed = rootDoc ? [{ score: deriveTask(q.root, rootDoc).firstSeen, id: toRef(q.root) }] : [];
    return { sources: [{ key: k.index('root', q.root) }, { fixed }] as Source[], checks };
  }
  const states = q.state ?? (await ctx.store.smembers(k.registry('state')));
  const options: Array<{ dim: keyof typeof checks; keys: string[] }> = [{ dim: 'state', keys: states.map((s) => k.index('state', s)) }];
  if (q.worker) options.push({ dim: 'worker', keys: [k.index('worker', q.worker)] });
  if (q.queue) options.push({ dim: 'queue', keys: [k.index('queue', q.queue)] });
  if (q.name) options.push({ dim: 'name', keys: [k.index('name', q.name)] });
  let best = options[0] as (typeof options)[number];
  if (options.length > 1) {
    const pipe = ctx.store.pipeline();
    for (const o of options) for (const key of o.keys) pipe.zcard(key);
    const sizes = ((await pipe.exec()) ?? []).map(([, n]) => Number(n ?? 0));
    let at = 0;
    let smallest = Infinity;
    for (const o of options) {
      const size = o.keys.reduce((sum) => sum + (sizes[at++] ?? 0), 0);
      if (size < smallest) [smallest, best] = [size, o];
    }
  }
  return { sources: best.keys.map((key) => ({ key })) as Source[], checks: { ...checks, [best.dim]: false } };
}

/**
 * Up to `batch` items per source with score in [lo, hi] that come after `pos` (from the start when
 * null), merged in order. Only items up to the last one the earliest-ending full source returned are
 * certainly in order across sources; the rest wait for the next round. `complete` says no source has
 * more beyond what was returned. Paging from the (score, member) position itself, not from its score,
 * steps through any run of equal scores.
 */
async function fetchCandidates(ctx: TrellisContext, sources: Source[], pos: Position | null, lo: number, hi: number, batch: number, order: Order) {
  const pipe = withSeekCommand(ctx.store).pipeline();
  const hiArg = hi === Infinity ? '+inf' : String(hi);
  const loArg = lo === -Infinity ? '-inf' : String(lo);
  for (const s of sources) {
    if (!s.key) continue;
    if (pos) pipe.trellisIndexSeek(s.key, String(pos.score), pos.id, batch, order);
    else if (order === 'desc') pipe.zrevrangebyscore(s.key, hiArg, loArg, 'WITHSCORES', 'LIMIT', 0, batch);
    else pipe.zrangebyscore(s.key, loArg, hiArg, 'WITHSCORES', 'LIMIT', 0, batch);
  }
  const res = (await pipe.exec()) ?? [];
  const inWindow = (p: Position) => p.score <= hi && p.score >= lo;
  let boundary: Position | null = null;
  const all: Position[] = [];
  let r = 0;
  for (const s of sources) {
    if (s.fixed) {
      all.push(...s.fixed.filter(inWindow));
      continue;
    }
    const [err, flat] = res[r++] ?? [null, []];
    if (err) throw err;
    const arr = (flat as string[] | null) ?? [];
    const got: Position[] = [];
    for (let i = 0; i < arr.length; i += 2) got.push({ id: arr[i] as string, score: Number(arr[i + 1]) });
    const within = got.filter(inWindow); // a seek runs past the window's far end: that source is done
    all.push(...within);
    const last = within[within.length - 1];
    if (got.length >= batch && within.length === got.length && last && (!boundary || isAfter(boundary, last, order))) boundary = last;
  }
  all.sort(comparator(order));
  if (boundary === null) return { candidates: all, complete: true };
  const b = boundary;
  return { candidates: all.filter((p) => !isAfter(p, b, order)), complete: false };
}
