import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskDetailView, WorkflowGroup } from '@/lib/schemas/api';
import { readChordKeys } from '@/lib/server/backend/read-group-progress';
import { Collector } from '@/lib/server/collector/collector';
import { exceptionText } from '@/lib/server/celery/result-meta';
import { getTask } from '@/lib/server/tasks/get-task';
import { APP_DIR, PYTHON, celeryEnv, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// Group and chord progress in task detail, from real Celery 5.2 workers on real Redis: a chord in a
// chain while its header runs (.j/.s) and after its callback ran (Celery deleted the keys), a
// stand-alone chord whose header failed (keys kept, callback never runs), a plain group in a chain,
// and stand-alone groups saved and not saved.

const Published = z.object({
  chord: z.object({ root: z.string(), header: z.array(z.string()).length(3), body: z.string() }),
  failed: z.object({ header: z.array(z.string()).length(3), body: z.string(), group: z.string() }),
  plain: z.object({ root: z.string(), members: z.array(z.string()).length(3) }),
  saved: z.object({ group: z.string(), members: z.array(z.string()).length(2) }),
  unsaved: z.object({ group: z.string(), members: z.array(z.string()).length(2) }),
});

// One Python process publishes every workflow. In a chain Celery re-freezes the group when the
// chain is applied, so the client's GroupResult id is not the members' group_id there: the test
// takes those group ids from Trellis (the members' result meta), never from the client.
const PUBLISH = `
import json
from celery import chain, chord, group
from tasks import add, echo, fail, sleepy, xsum

def ids(r):
    return [x.id for x in r.results]

c = chain(add.s(1, 1), group(echo.si(1), echo.si(2), sleepy.si(8)), xsum.s()).apply_async()
f = chord([add.s(1, 1), fail.si("boom"), add.s(2, 2)], xsum.s()).apply_async()
p = chain(add.s(1, 1), group(add.s(10), fail.si("x"), echo.si("e"))).apply_async()
s = group(add.s(1, 2), add.s(3, 4)).apply_async()
s.save()
u = group(add.s(5, 6), add.s(7, 8)).apply_async()
print(json.dumps({
    "chord": {"root": c.parent.parent.id, "header": ids(c.parent), "body": c.id},
    "failed": {"header": ids(f.parent), "body": f.id, "group": f.parent.id},
    "plain": {"root": p.parent.id, "members": ids(p)},
    "saved": {"group": s.id, "members": ids(s)},
    "unsaved": {"group": u.id, "members": ids(u)},
}))
`;

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let worker: Worker;
let ctx: ReturnType<typeof testContext>;
let backend: Redis;
let collector: Collector;
let w: z.infer<typeof Published>;

beforeAll(async () => {
  server = await startRedis();
  // The route handler uses the process context: point it at this Redis before it is first built.
  process.env.CELERY_BROKER_URL = server.url(0);
  process.env.CELERY_RESULT_BACKEND = server.url(1);
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1) });
  backend = new Redis(server.url(1));
  collector = new Collector(ctx);
  await collector.start();
  worker = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'wp', concurrency: 4 });
  const { stdout } = await promisify(execFile)(PYTHON, ['-c', PUBLISH], { cwd: APP_DIR, env: celeryEnv(server.url(0), server.url(1)), timeout: 60_000 });
  w = Published.parse(JSON.parse(stdout.trim().split('\n').pop() ?? ''));
}, 180_000);

afterAll(async () => {
  await worker?.stop();
  await collector?.stop();
  backend?.disconnect();
  ctx?.close();
  await server?.stop();
});

/** Members sorted by id, so a group compares whole whatever order its sources listed them in. */
const sorted = (g: WorkflowGroup | undefined) => g && { ...g, members: [...g.members].sort((a, b) => a.id.localeCompare(b.id)) };
const members = (entries: Array<[string | undefined, string]>) => entries.map(([id, state]) => ({ id: id ?? '', state })).sort((a, b) => a.id.localeCompare(b.id));
const noCallback = { id: null, name: null, state: null, result: null };

async function taskWhen(id: string, what: string, ok: (t: TaskDetailView) => boolean, timeoutMs = 20_000): Promise<TaskDetailView> {
  let last: TaskDetailView | null = null;
  return waitFor(
    async () => {
      last = await getTask(ctx, id);
      return ok(last) ? last : null;
    },
    what,
    timeoutMs,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last: ${JSON.stringify(last?.groups)}`);
  });
}

describe('chord in a chain', () => {
  it('shows the header joining while it runs: 2/3 done, callback pending (from .j and .s)', async () => {
    const [one, two, slow] = w.chord.header;
    // The two echo members are done; the 8 s sleeper is running.
    const t = await taskWhen(w.chord.root, 'two of three header tasks joined', (x) => x.groups[0]?.done === 2 && x.groups[0].membersKnown === 3 && x.groups[0].members.some((m) => m.id === slow && m.state === 'STARTED'));
    const gid = (await getTask(ctx, one ?? '')).groupId;
    expect(gid).toMatch(/^[0-9a-f-]{36}$/);
    expect(t.groupId).toBeNull(); // the chain's first task is in no group
    expect(t.groups).toHaveLength(1);
    expect(sorted(t.groups[0])).toEqual({
      id: gid,
      chord: true,
      source: 'chord-join',
      size: 3,
      done: 2,
      succeeded: 2,
      failed: 0,
      members: members([
        [one, 'SUCCESS'],
        [two, 'SUCCESS'],
        [slow, 'STARTED'],
      ]),
      membersKnown: 3,
      callback: { status: 'waiting', ...noCallback },
    });
    expect(await backend.zcard(`celery-taskset-meta-${gid}.j`)).toBe(2);
    expect(await backend.get(`celery-taskset-meta-${gid}.s`)).toBe('3');
  });

  it('after the callback ran: 3 done, the callback and its result (Celery deleted .j/.s)', async () => {
    const [one, two, slow] = w.chord.header;
    const t = await taskWhen(w.chord.root, 'the chord callback to succeed', (x) => x.groups[0]?.callback?.state === 'SUCCESS', 30_000);
    const gid = t.groups[0]?.id ?? '';
    expect(await backend.exists(`celery-taskset-meta-${gid}.j`, `celery-taskset-meta-${gid}.s`, `celery-taskset-meta-${gid}.t`)).toBe(0);
    const expected = {
      id: gid,
      chord: true,
      source: 'members',
      size: null, // the keys are gone and nothing else records the header's size
      done: 3,
      succeeded: 3,
      failed: 0,
      members: members([
        [one, 'SUCCESS'],
        [two, 'SUCCESS'],
        [slow, 'SUCCESS'],
      ]),
      membersKnown: 3,
      callback: { status: 'sent', id: w.chord.body, name: 'tasks.xsum', state: 'SUCCESS', result: '11' },
    };
    expect(sorted(t.groups[0])).toEqual(expected);
    // The callback's own page shows the same chord (it is in the same workflow).
    const body = await getTask(ctx, w.chord.body);
    expect(body.groupId).toBeNull();
    expect(body.backend?.result).toBe(11);
    expect(body.groups.map(sorted)).toEqual([expected]);
    // And so does a member's, with its own group first.
    expect((await getTask(ctx, slow ?? '')).groups.map(sorted)).toEqual([expected]);
  });

  it('serves the same through GET /api/v1/tasks/{id}', async () => {
    const route = await import('@/app/api/v1/tasks/[id]/route');
    const res = await route.GET(new Request(`http://localhost/api/v1/tasks/${w.chord.root}`), { params: Promise.resolve({ id: w.chord.root }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TaskDetailView;
    expect(body.groupId).toBeNull();
    expect(body.groups.map(sorted)).toEqual((await getTask(ctx, w.chord.root)).groups.map(sorted));
    expect(body.groups[0]).toMatchObject({ chord: true, done: 3, callback: { status: 'sent', id: w.chord.body, result: '11' } });
  });
});

describe('chord whose header failed', () => {
  it('keeps .j/.s: 3/3 joined, 1 failed, the callback never runs (ChordError)', async () => {
    const [a, boom, b] = w.failed.header;
    const t = await taskWhen(boom ?? '', 'the failed header to join', (x) => x.groups[0]?.done === 3 && x.state === 'FAILURE');
    expect(t.groupId).toBe(w.failed.group); // a chord applied on its own keeps the client's group id
    expect(sorted(t.groups[0])).toEqual({
      id: w.failed.group,
      chord: true,
      source: 'chord-join',
      size: 3,
      done: 3,
      succeeded: 2,
      failed: 1,
      members: members([
        [a, 'SUCCESS'],
        [boom, 'FAILURE'],
        [b, 'SUCCESS'],
      ]),
      membersKnown: 3,
      callback: { status: 'not-run', ...noCallback },
    });
    expect((await readChordKeys(ctx, [w.failed.group])).get(w.failed.group)).toMatchObject({ groupId: w.failed.group, joined: 3, size: 3, extra: null, joinType: 'zset', saved: null });
    // Celery marked the body FAILURE without running it: Trellis knows it from the backend alone.
    const body = await taskWhen(w.failed.body, 'the body marked failed', (x) => x.state === 'FAILURE');
    expect(body.events).toEqual([]);
    expect(exceptionText(body.backend?.result)).toBe(`ChordError('Dependency ${boom} raised ValueError('boom')')`);
    expect(body.groups).toEqual([]);
  });
});

describe('groups', () => {
  it('a plain group in a chain: counts from its members (no size: a group records none)', async () => {
    const [ten, x, e] = w.plain.members;
    const t = await taskWhen(w.plain.root, 'the group members to finish', (r) => r.groups[0]?.done === 3);
    expect(sorted(t.groups[0])).toEqual({
      id: t.groups[0]?.id,
      chord: false,
      source: 'members',
      size: null,
      done: 3,
      succeeded: 2,
      failed: 1,
      members: members([
        [ten, 'SUCCESS'],
        [x, 'FAILURE'],
        [e, 'SUCCESS'],
      ]),
      membersKnown: 3,
      callback: null,
    });
    expect((await getTask(ctx, ten ?? '')).result).toBe('12');
  });

  it('a saved group: its size and every member from celery-taskset-meta, though each member is its own root', async () => {
    const [m1, m2] = w.saved.members;
    const t = await taskWhen(m1 ?? '', 'the saved group to finish', (r) => r.groups[0]?.done === 2);
    expect(t.rootId).toBe(m1);
    expect(t.groupId).toBe(w.saved.group);
    expect(sorted(t.groups[0])).toEqual({
      id: w.saved.group,
      chord: false,
      source: 'saved-group',
      size: 2,
      done: 2,
      succeeded: 2,
      failed: 0,
      members: members([
        [m1, 'SUCCESS'],
        [m2, 'SUCCESS'],
      ]),
      membersKnown: 2,
      callback: null,
    });
  });

  it('an unsaved group applied on its own: only the member itself is known', async () => {
    const [m1] = w.unsaved.members;
    const t = await taskWhen(m1 ?? '', 'the member to finish', (r) => r.state === 'SUCCESS' && r.groups[0]?.done === 1);
    expect(t.groups).toEqual([{ id: w.unsaved.group, chord: false, source: 'members', size: null, done: 1, succeeded: 1, failed: 0, members: [{ id: m1, state: 'SUCCESS' }], membersKnown: 1, callback: null }]);
  });
});
