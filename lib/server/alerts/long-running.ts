import 'server-only';
import { RUNTIME_BUCKET_BOUNDS, runtimeQuantile } from '@/lib/runtime-buckets';
import type { TrellisContext } from '../context';
import { fromRef } from '../store/task-ref';
import { deriveTask } from '../tasks/derive';
import { parseTaskDoc } from '../tasks/task-doc';
import type { LongRunningTask } from './inputs';

// The stuck-task rule's inputs: STARTED tasks older than the smallest threshold (from the oldest
// entries of the STARTED index, already read), their documents (one MGET), and the p99 runtime of
// their task names over the last hour of successful runs (per-name runtime buckets of the minute
// counters, cached ten minutes per name). Both reads are bounded.

const MAX_CANDIDATES = 100;
const MAX_NAMES_PER_CYCLE = 20;
const P99_WINDOW_MINUTES = 60;
const P99_TTL_S = 600;

export class LongRunningTasks {
  private readonly p99s = new Map<string, { p99: number | null; at: number }>();

  async load(ctx: TrellisContext, started: ReadonlyArray<{ ref: string; firstSeen: number }>, olderThan: number, now: number): Promise<LongRunningTask[]> {
    const candidates = started.filter((s) => s.firstSeen <= now - olderThan).slice(0, MAX_CANDIDATES);
    if (candidates.length === 0) return [];
    const raws = await ctx.store.mget(candidates.map((c) => `${ctx.keys.prefix}t:${c.ref}`));
    const tasks: LongRunningTask[] = [];
    candidates.forEach((c, i) => {
      const id = fromRef(c.ref);
      const doc = parseTaskDoc(raws[i], id);
      if (!doc) return;
      const t = deriveTask(id, doc);
      if (t.state !== 'STARTED' || t.started === null || now - t.started < olderThan) return;
      tasks.push({ id, name: t.name, worker: t.worker, queue: t.queue, started: t.started, p99: null });
    });
    await this.refreshP99(ctx, [...new Set(tasks.flatMap((t) => (t.name ? [t.name] : [])))], now);
    for (const t of tasks) t.p99 = t.name ? (this.p99s.get(t.name)?.p99 ?? null) : null;
    return tasks;
  }

  private async refreshP99(ctx: TrellisContext, names: string[], now: number): Promise<void> {
    const stale = names.filter((n) => (this.p99s.get(n)?.at ?? -Infinity) < now - P99_TTL_S).slice(0, MAX_NAMES_PER_CYCLE);
    if (stale.length === 0) return;
    const last = Math.floor(now / 60);
    const buckets = RUNTIME_BUCKET_BOUNDS.map((_, i) => i).concat(RUNTIME_BUCKET_BOUNDS.length);
    const pipe = ctx.store.pipeline();
    for (const name of stale) {
      const fields = buckets.map((b) => `rt:${b}|${name}`);
      for (let m = last - P99_WINDOW_MINUTES + 1; m <= last; m++) pipe.hmget(ctx.keys.minute(m), ...fields);
    }
    const res = (await pipe.exec()) ?? [];
    stale.forEach((name, n) => {
      const counts = new Map<number, number>();
      for (let m = 0; m < P99_WINDOW_MINUTES; m++) {
        const values = (res[n * P99_WINDOW_MINUTES + m]?.[1] ?? []) as Array<string | null>;
        values.forEach((v, b) => v && counts.set(b, (counts.get(b) ?? 0) + Number(v)));
      }
      this.p99s.set(name, { p99: runtimeQuantile(counts, 0.99), at: now });
    });
    if (this.p99s.size > 5_000) this.p99s.clear();
  }
}
