import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { serializeTaskDoc } from '@/lib/server/tasks/task-doc';
import { toRef } from '@/lib/server/store/task-ref';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The task list pages through a run of equal scores longer than any window it fetches: 25,000
// SUCCESS tasks and 2,000 FAILURE tasks first seen at the same instant (a fan-out recorded in one
// flush), with a few tasks before and after it, written straight into a real Redis as the store
// holds them. Every page must move forward: all tasks visited once, in order, in both orders.

const T = 1_795_333_003.7299838;
type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let ctx: ReturnType<typeof testContext>;
const expected = new Map<string, number>(); // id → score

async function write(state: string, score: number, n: number) {
  const k = ctx.keys;
  for (let done = 0; done < n; done += 5_000) {
    const pipe = ctx.store.pipeline();
    const members: Array<string | number> = [];
    for (let i = done; i < Math.min(n, done + 5_000); i++) {
      const id = randomUUID();
      expected.set(id, score);
      members.push(score, toRef(id));
      pipe.set(k.task(id), serializeTaskDoc({ e: [{ type: 'task-received', timestamp: score, lr: score, name: 'tasks.fanout' }] }, id));
    }
    pipe.zadd(k.index('state', state), ...members);
    pipe.sadd(k.registry('state'), state);
    await pipe.exec();
  }
}

beforeAll(async () => {
  server = await startRedis();
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1) });
  await write('SUCCESS', T, 25_000);
  await write('FAILURE', T, 2_000);
  await write('SUCCESS', T + 1, 3);
  await write('FAILURE', T - 1, 3);
}, 120_000);

afterAll(async () => {
  ctx?.close();
  await server?.stop();
});

/** Pages to the end; returns the ids in the order seen and the number of pages. */
async function pageAll(order: 'desc' | 'asc', state?: string[]) {
  const seen: Array<{ id: string; score: number }> = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await listTasks(ctx, { limit: 500, order, cursor, ...(state ? { state: state as never } : {}) });
    pages += 1;
    expect(page.items.length > 0 || page.nextCursor === null).toBe(true); // never a stalled empty page with more to come
    for (const t of page.items) seen.push({ id: t.id, score: t.firstSeen });
    cursor = page.nextCursor ?? undefined;
    if (pages > 200) throw new Error('paging did not end');
  } while (cursor);
  return { seen, pages };
}

describe('task list over a run of equal scores', () => {
  it.each(['desc', 'asc'] as const)('visits every task once, in order (%s)', async (order) => {
    const { seen, pages } = await pageAll(order);
    const ids = seen.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length); // no repeats
    expect(ids.length).toBe(expected.size); // none missed
    expect(pages).toBe(Math.ceil(expected.size / 500) + (expected.size % 500 === 0 ? 1 : 0));
    const scores = seen.map((s) => s.score);
    const sorted = [...scores].sort((a, b) => (order === 'desc' ? b - a : a - b));
    expect(scores).toEqual(sorted);
    expect(scores[0]).toBe(order === 'desc' ? T + 1 : T - 1);
  }, 120_000);

  it('pages one index alone through the run too (state filter)', async () => {
    const { seen } = await pageAll('desc', ['FAILURE']);
    expect(new Set(seen.map((s) => s.id)).size).toBe(2_003);
    expect(seen.length).toBe(2_003);
  }, 60_000);
});
