// Fills a store with synthetic finished tasks through the collector's own writer (same documents,
// indexes and counters as real ingestion, without pub/sub), for read-path benchmarks.
// Realistic mix: 8 task names, 6 workers, 3 queues, ~5 % failures, ~3 % retried once.
import { randomUUID } from 'node:crypto';
import { MinuteCounters } from '../../lib/server/collector/counters';
import { TaskWriter } from '../../lib/server/collector/task-writer';
import { unfencedBatch } from '../../lib/server/store/write-batch';
import type { TrellisContext } from '../../lib/server/context';
import type { StoredEvent } from '../../lib/server/tasks/stored-event';

const NAMES = ['orders.process', 'orders.refund', 'mail.send', 'mail.digest', 'reports.build', 'images.thumbnail', 'sync.pull', 'sync.push'];
const QUEUES = ['celery', 'fast', 'slow'];

function syntheticTask(i: number, t0: number): [string, StoredEvent[]] {
  const id = randomUUID();
  const name = NAMES[i % NAMES.length] as string;
  const worker = `w${i % 6}@bench`;
  const queue = QUEUES[i % QUEUES.length] as string;
  const ts = t0 + i * 0.01;
  const args = `(${i}, 'x')`;
  const events: StoredEvent[] = [
    { type: 'task-sent', timestamp: ts, lr: ts + 0.001, hostname: 'gen1@bench', clock: 1, name, args, kwargs: '{}', root_id: id, retries: 0, queue, exchange: '', routing_key: queue },
    { type: 'task-received', timestamp: ts + 0.002, lr: ts + 0.003, hostname: worker, clock: 2, name, args, kwargs: '{}', root_id: id, retries: 0 },
    { type: 'task-started', timestamp: ts + 0.003, lr: ts + 0.004, hostname: worker, clock: 3 },
  ];
  if (i % 33 === 0) {
    events.push({ type: 'task-retried', timestamp: ts + 0.01, lr: ts + 0.011, hostname: worker, clock: 4, exception: "IOError('flaky')", traceback: 'Traceback (most recent call last):\n  ...\nOSError: flaky\n' });
    events.push({ type: 'task-received', timestamp: ts + 0.5, lr: ts + 0.501, hostname: worker, clock: 5, name, args, kwargs: '{}', root_id: id, parent_id: id, retries: 1 });
    events.push({ type: 'task-started', timestamp: ts + 0.51, lr: ts + 0.511, hostname: worker, clock: 6 });
  }
  if (i % 20 === 0) {
    events.push({ type: 'task-failed', timestamp: ts + 0.6, lr: ts + 0.601, hostname: worker, clock: 7, exception: "ValueError('bad input')", traceback: 'Traceback (most recent call last):\n  ...\nValueError: bad input\n' });
  } else {
    events.push({ type: 'task-succeeded', timestamp: ts + 0.6, lr: ts + 0.601, hostname: worker, clock: 7, result: "'ok'", runtime: 0.05 + (i % 50) / 100 });
  }
  return [id, events];
}

export type SyntheticTask = (i: number, t0: number) => [string, StoredEvent[]];

/** Writes `count` tasks (by default the realistic mix above) whose first-seen times end about now; returns how long it took. */
export async function loadSyntheticTasks(ctx: TrellisContext, count: number, batch = 2_000, make: SyntheticTask = syntheticTask): Promise<number> {
  const writer = new TaskWriter(ctx, batch);
  const started = performance.now();
  const t0 = Date.now() / 1000 - count * 0.01;
  for (let i = 0; i < count; i += batch) {
    const tasks = new Map<string, StoredEvent[]>();
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const [id, events] = make(j, t0);
      tasks.set(id, events);
    }
    const prepared = await writer.prepare(tasks);
    const pipe = unfencedBatch(ctx.store);
    writer.write(pipe, prepared);
    const counters = new MinuteCounters();
    for (const p of prepared) for (const ev of tasks.get(p.id) ?? []) counters.add(ev, p.task.name);
    counters.write(pipe, ctx.keys, ctx.config.retention.maxAgeSeconds + 86_400);
    await pipe.exec();
    writer.commit(prepared);
  }
  return (performance.now() - started) / 1000;
}
