import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { WorkflowSchema } from '@/lib/schemas/responses/workflows';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { waitFor } from '../support/trellis';

// GET /api/v1/workflows/{rootId} on canvases run by real Celery 5.2 workers (examples/celery_app
// driver.py), collected by Trellis' own collector: exact structure, counts and states.

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
type Workflow = z.infer<typeof WorkflowSchema>;
let server: RedisServer;
let workers: Worker[] = [];
let route: typeof import('@/app/api/v1/workflows/[rootId]/route');
let stopCollector: () => Promise<void>;

beforeAll(async () => {
  server = await startRedis();
  process.env.CELERY_BROKER_URL = server.url(0);
  process.env.TRELLIS_LOG_LEVEL = 'silent';
  route = await import('@/app/api/v1/workflows/[rootId]/route');
  const { startProcessCollector, stopProcessCollector } = await import('@/lib/server/collector/runtime');
  const { getContext } = await import('@/lib/server/context');
  await startProcessCollector(getContext());
  stopCollector = stopProcessCollector;
  workers = await Promise.all(['wfa', 'wfb'].map((name) => startWorker({ brokerUrl: server.url(0), name, concurrency: 2 })));
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop()));
  await stopCollector();
  await server.stop();
});

async function getWorkflow(rootId: string): Promise<{ status: number; body: unknown }> {
  const res = await route.GET(new Request(`http://localhost/api/v1/workflows/${rootId}`), { params: Promise.resolve({ rootId }) });
  return { status: res.status, body: await res.json() };
}

/** The workflow once it has `tasks` tasks and is no longer running. */
async function settled(rootId: string, tasks: number, timeoutMs = 30_000): Promise<Workflow> {
  return waitFor(
    async () => {
      const r = await getWorkflow(rootId);
      if (r.status !== 200) return null;
      const w = WorkflowSchema.parse(r.body);
      return w.tasks.length === tasks && w.state.status !== 'running' && w.tasks.every((t) => t.ended !== null) ? w : null;
    },
    `workflow ${rootId} with ${tasks} final tasks`,
    timeoutMs,
  );
}

const byName = (w: Workflow, name: string) => w.tasks.filter((t) => t.name === name);

describe('GET /api/v1/workflows/{rootId}', () => {
  it('chain → chord (a task and a chord with a group body) → group: 9 tasks, two chords and a group', async () => {
    const out = z.object({ root: z.string(), last: z.string() }).parse(await runDriver(['workflow-nested'], { brokerUrl: server.url(0) }));
    const w = await settled(out.root, 9);
    expect(w.state).toEqual({ status: 'succeeded', at: null });
    expect(w.tasks.every((t) => t.state === 'SUCCESS')).toBe(true);
    expect([byName(w, 'tasks.add').length, byName(w, 'tasks.echo').length]).toEqual([6, 3]);
    const kinds = w.groups.map((g) => `${g.kind}:${g.done}/${g.size}`).sort();
    expect(kinds).toEqual(['chord:2/2', 'chord:3/3', 'group:2/2']);
    const taskIds = new Set(w.tasks.map((t) => t.id));
    expect(w.groups.flatMap((g) => g.members).every((id) => taskIds.has(id))).toBe(true);
    expect(w.groups.flatMap((g) => g.members)).toHaveLength(7);
    expect(w.edges).toHaveLength(8);
    expect(w.criticalPath[0]).toBe(out.root);
    expect(w.start).not.toBeNull();
    expect(w.end).toBeGreaterThan(w.start ?? Infinity);
  }, 90_000);

  it('a chord whose member fails: 3/3 joined, callback will not run (ChordError), failed at the member', async () => {
    const out = z.object({ root: z.string(), callback: z.string() }).parse(await runDriver(['workflow-chord-fail'], { brokerUrl: server.url(0) }));
    const w = await settled(out.root, 4);
    const failing = byName(w, 'tasks.fail')[0]?.id ?? '';
    expect(w.state).toEqual({ status: 'failed', at: failing });
    expect(w.groups).toHaveLength(1);
    expect(w.groups[0]).toMatchObject({ kind: 'chord', evidence: 'chord-keys', size: 3, sizeKnown: true, done: 3, callback: { id: null, fate: 'will-not-run', why: `member ${failing} failed (ChordError)` } });
    expect(w.tasks.some((t) => t.id === out.callback)).toBe(false);
  }, 90_000);

  it('a chord with a revoked member: callback will not run, failed at the revoked task', async () => {
    const out = z.object({ root: z.string(), revoked: z.string() }).parse(await runDriver(['workflow-revoked'], { brokerUrl: server.url(0) }));
    const w = await settled(out.root, 3);
    expect(w.tasks.find((t) => t.id === out.revoked)?.state).toBe('REVOKED');
    expect(w.state).toEqual({ status: 'failed', at: out.revoked });
    expect(w.groups[0]).toMatchObject({ kind: 'chord', size: 2, done: 2, callback: { fate: 'will-not-run', why: `member ${out.revoked} revoked (ChordError)` } });
  }, 90_000);

  it('a 1,000-task group: one group of 1,000, all done', async () => {
    const out = z.object({ root: z.string(), states: z.record(z.string(), z.string()) }).parse(await runDriver(['workflow-big', '1000'], { brokerUrl: server.url(0), timeoutMs: 150_000 }));
    expect(Object.values(out.states).filter((s) => s === 'SUCCESS')).toHaveLength(1000);
    const w = await settled(out.root, 1001, 60_000);
    expect(w.state.status).toBe('succeeded');
    expect(w.groups.map((g) => [g.kind, g.size, g.done, g.members.length])).toEqual([['group', 1000, 1000, 1000]]);
    expect(w.edges).toHaveLength(1000);
    expect(w.truncated).toBe(false);
  }, 240_000);

  it('an unknown root is 404', async () => {
    expect((await getWorkflow('no-such-root')).status).toBe(404);
  });
});
