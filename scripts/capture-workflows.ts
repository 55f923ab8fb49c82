// Captures real nested canvases for the workflow model's unit tests (tests/fixtures/workflows/):
// a throw-away redis-server, two real prefork workers (-E) of examples/celery_app and Trellis' own
// collector; per scenario of driver.py, what Trellis can read about the workflow. Re-runnable:
//   node --conditions=react-server --import tsx scripts/capture-workflows.ts
//
// <scenario>.json = {scenario, driver (what driver.py printed), root,
//   tasks: {id: stored events (decoded task document)}, metas: {id: raw celery-task-meta value},
//   groups: {groupId: raw celery-taskset-meta value}, chords: {groupId: {s, j, t}} (the chord keys)}
import { mkdirSync, writeFileSync } from 'node:fs';
import type Redis from 'ioredis';
import type { storeKeys } from '../lib/server/store/keys';
import { fromRef } from '../lib/server/store/task-ref';
import { parseTaskDoc } from '../lib/server/tasks/task-doc';
import { runDriver, startWorker } from '../tests/support/celery';
import { startRedis } from '../tests/support/redis-server';
import { spawnCollector, testContext, waitFor } from '../tests/support/trellis';

type StoreKeys = ReturnType<typeof storeKeys>;

const OUT = 'tests/fixtures/workflows';
const SCENARIOS = ['workflow-nested', 'workflow-chord-fail', 'workflow-revoked'];

function groupIdsOf(metas: Record<string, string>): string[] {
  const ids = new Set<string>();
  for (const raw of Object.values(metas)) {
    const g = (JSON.parse(raw) as { group_id?: unknown }).group_id;
    if (typeof g === 'string') ids.add(g);
  }
  return [...ids];
}

async function capture(store: Redis, backend: Redis, keys: StoreKeys, root: string) {
  const refs = await store.zrange(keys.index('root', root), 0, 1999);
  const ids = [...new Set([root, ...refs.map(fromRef)])];
  const tasks: Record<string, unknown> = {};
  const metas: Record<string, string> = {};
  for (const id of ids) {
    const doc = parseTaskDoc(await store.get(keys.task(id)), id);
    if (doc) tasks[id] = doc.e;
    const meta = await backend.get(`celery-task-meta-${id}`);
    if (meta) metas[id] = meta;
  }
  const groups: Record<string, string> = {};
  const chords: Record<string, unknown> = {};
  for (const g of groupIdsOf(metas)) {
    const saved = await backend.get(`celery-taskset-meta-${g}`);
    if (saved) groups[g] = saved;
    const key = `celery-taskset-meta-${g}`;
    const [s, jType, t] = await Promise.all([backend.get(`${key}.s`), backend.type(`${key}.j`), backend.get(`${key}.t`)]);
    const j = jType === 'zset' ? await backend.zrange(`${key}.j`, 0, -1) : jType === 'list' ? await backend.lrange(`${key}.j`, 0, -1) : null;
    if (s !== null || j !== null || t !== null) chords[g] = { s, j, t };
  }
  return { tasks, metas, groups, chords };
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const redis = await startRedis();
  const env = { CELERY_BROKER_URL: redis.url(0), TRELLIS_STORE_PREFIX: 'trellis:' };
  const ctx = testContext(env);
  const collector = spawnCollector(env);
  const workers = await Promise.all(['wf1', 'wf2'].map((name) => startWorker({ brokerUrl: redis.url(0), name, concurrency: 2 })));
  try {
    await waitFor(() => ctx.store.get(ctx.keys.lease), 'the collector lease', 20_000);
    for (const scenario of SCENARIOS) {
      const driver = (await runDriver([scenario], { brokerUrl: redis.url(0) })) as { root: string };
      await new Promise((r) => setTimeout(r, 2_000)); // the collector flushes the last events
      const data = await capture(ctx.store, ctx.backend, ctx.keys, driver.root);
      writeFileSync(`${OUT}/${scenario.replace('workflow-', '')}.json`, `${JSON.stringify({ scenario, driver, root: driver.root, ...data }, null, 1)}\n`);
      console.log(scenario, Object.keys(data.tasks).length, 'tasks', Object.keys(data.metas).length, 'metas', Object.keys(data.groups).length, 'groups', Object.keys(data.chords).length, 'chords');
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    collector.kill('SIGTERM');
    ctx.close();
    await redis.stop();
  }
}

void main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
