import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { TaskDetailView, TaskPage, UpdateNotice } from '@/lib/schemas/api';
import { listAlerts } from '@/lib/server/alerts/alerts-api';
import { Collector } from '@/lib/server/collector/collector';
import type { InspectReply } from '@/lib/server/inspect/inspect';
import { liveHub } from '@/lib/server/live/hub';
import type { PeekPage } from '@/lib/server/queues/types';
import { getTask } from '@/lib/server/tasks/get-task';
import { listTasks } from '@/lib/server/tasks/list-tasks';
import { writeAlertsFile, waitForIncident } from '../support/alerts';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// Issue 10 point 5: a secret and a card number in a real task's arguments, result and exception
// message appear in no output: the task API, the list and its search, a worker's recent tasks, SSE
// notices, peek, every inspect reply, the result-backend meta, alerts and their notifications, /metrics.

const SECRET = 'hunter2-SECRET';
const CARD = '4111 1111 1111 1111';
const LEAKS = [SECRET, 'hunter2', CARD, CARD.replaceAll(' ', '')];

function expectNoLeak(what: string, output: unknown): string {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  for (const leak of LEAKS) expect(text, `${what} shows ${leak}`).not.toContain(leak);
  return text;
}

const Ids = z.object({ echo: z.string(), fail: z.string(), states: z.record(z.string(), z.string()), running: z.string(), reserved: z.string(), scheduled: z.string(), waiting: z.string() });

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let worker: Worker;
let receiver: HttpReceiver;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let ids: z.infer<typeof Ids>;
const notices: UpdateNotice[] = [];
let unsubscribe = () => undefined as void;

type Handler = (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>;
async function get(handler: Handler, url: string, params: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await handler(new Request(`http://localhost${url}`), { params: Promise.resolve(params) });
  return { status: res.status, text: await res.text() };
}

const routes = async () => ({
  task: await import('@/app/api/v1/tasks/[id]/route'),
  tasks: await import('@/app/api/v1/tasks/route'),
  peek: await import('@/app/api/v1/queues/[name]/messages/route'),
  inspect: await import('@/app/api/v1/workers/[hostname]/inspect/[what]/route'),
  metrics: await import('@/app/metrics/route'),
  worker: await import('@/app/api/v1/workers/[hostname]/route'),
});
let r: Awaited<ReturnType<typeof routes>>;

beforeAll(async () => {
  server = await startRedis();
  receiver = await startHttpReceiver();
  const env = {
    CELERY_BROKER_URL: server.url(0),
    CELERY_RESULT_BACKEND: server.url(1),
    TRELLIS_INSPECT_TIMEOUT: '1',
    TRELLIS_ALERTS_FILE: writeAlertsFile({
      channels: [{ id: 'hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'webhook-signing-secret-0123456789' }],
      routes: [{ channels: ['hook'] }],
      rules: [{ id: 'task-failure-rate', threshold: 1, minRuns: 1, window: 60 }],
    }),
  };
  Object.assign(process.env, env, { TRELLIS_LOG_LEVEL: 'silent' });
  ctx = testContext(env);
  collector = new Collector(ctx, { alertIntervalMs: 500 });
  await collector.start();
  unsubscribe = liveHub(ctx).subscribe((m) => notices.push(m.notice));
  worker = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w1', queues: ['celery'], pool: 'prefork', concurrency: 1 });
  ids = Ids.parse(await runDriver(['secrets', SECRET, CARD], { brokerUrl: server.url(0), backendUrl: server.url(1) }));
  r = await routes();
}, 120_000);

afterAll(async () => {
  unsubscribe();
  await worker?.kill();
  await collector?.stop();
  ctx?.close();
  await receiver?.close();
  await server?.stop();
});

describe('a secret in a real task appears in no output', () => {
  it('inspect active, reserved, scheduled and query_task show the tasks holding it, masked', async () => {
    expect(ids.states).toEqual({ [ids.echo]: 'SUCCESS', [ids.fail]: 'FAILURE' });
    const inspect = async (what: string, query = '') => {
      const res = await get(r.inspect.GET, `/api/v1/workers/${worker.hostname}/inspect/${what}${query}`, { hostname: worker.hostname, what });
      expect(res.status).toBe(200);
      return { text: expectNoLeak(`inspect ${what}`, res.text), body: JSON.parse(res.text) as InspectReply };
    };
    const active = await waitFor(async () => {
      const a = await inspect('active');
      return a.text.includes(ids.running) ? a : null;
    }, 'the sleepy task running');
    expect(active.body.status).toBe('ok');
    expect(active.text).toContain('"password":"***"');
    const reserved = await inspect('reserved');
    expect(reserved.text).toContain(ids.reserved);
    expect(reserved.text).toContain('"token":"***"');
    const scheduled = await inspect('scheduled');
    expect(scheduled.text).toContain(ids.scheduled);
    expect(scheduled.text).toContain('"api_key":"***"');
    const query = await inspect('query_task', `?ids=${ids.running},${ids.reserved}`);
    expect(query.text).toContain(ids.running);
    for (const what of ['conf', 'stats']) await inspect(what);
  });

  it('peek of a queue nobody consumes shows the message with its arguments masked', async () => {
    const res = await get(r.peek.GET, '/api/v1/queues/nobody/messages', { name: 'nobody' });
    const page = JSON.parse(expectNoLeak('peek', res.text)) as PeekPage;
    expect(page.items.map((m) => [m.id, m.argsRepr])).toEqual([[ids.waiting, "({'secret': '***', 'card': '***'},)"]]);
  });

  it('the task API masks args, kwargs, result, exception, traceback, every event and the backend meta', async () => {
    const echo = await waitFor(async () => {
      const res = await get(r.task.GET, `/api/v1/tasks/${ids.echo}`, { id: ids.echo });
      const t = JSON.parse(res.text) as TaskDetailView;
      return t.state === 'SUCCESS' && t.backend ? { t, text: res.text } : null;
    }, 'the echo task stored');
    expectNoLeak('get-task echo', echo.text);
    expect(echo.t.args).toBe("({'password': '***', 'card': '***'},)");
    expect(echo.t.result).toBe("{'password': '***', 'card': '***'}");
    expect(echo.t.backend?.result).toEqual({ password: '***', card: '***' });

    const fail = await waitFor(async () => {
      const res = await get(r.task.GET, `/api/v1/tasks/${ids.fail}`, { id: ids.fail });
      const t = JSON.parse(res.text) as TaskDetailView;
      return t.state === 'FAILURE' && t.backend && t.traceback ? { t, text: res.text } : null;
    }, 'the failed task stored');
    expectNoLeak('get-task fail', fail.text);
    expect(fail.t.kwargs).toBe("{'message': 'login refused: password=***'}");
    expect(fail.t.exception).toBe("ValueError('login refused: password=***')");
    expect(fail.t.traceback).toContain('ValueError: login refused: password=***');
    expect(fail.t.events.map((e) => e.type)).toEqual(expect.arrayContaining(['task-received', 'task-failed']));
    expect(fail.t.backend?.result).toMatchObject({ exc_type: 'ValueError', exc_message: ['login refused: password=***'] });

    // TRELLIS_HIDE_ARGS=viewer: a viewer sees names, states and the exception class only.
    const hidden = await getTask(ctx, ids.fail, { hideArgs: true });
    const text = expectNoLeak('get-task hidden', hidden);
    expect(text).not.toContain('login refused');
    expect(hidden).toMatchObject({ name: 'tasks.fail', state: 'FAILURE', kwargs: '[hidden]', exception: 'ValueError', traceback: '[hidden]', backend: { result: { exc_type: 'ValueError' }, traceback: '[hidden]' } });
  });

  it('the list masks summaries, and a search finds no task by its secret', async () => {
    const res = await get(r.tasks.GET, '/api/v1/tasks?limit=50');
    const page = JSON.parse(expectNoLeak('list-tasks', res.text)) as TaskPage;
    expect(page.items.map((t) => t.id)).toEqual(expect.arrayContaining([ids.echo, ids.fail]));
    const search = (q: string) => get(r.tasks.GET, `/api/v1/tasks?q=${encodeURIComponent(q)}`).then((x) => JSON.parse(x.text) as TaskPage);
    expect((await search('hunter2')).items).toEqual([]);
    expect((await search('4111')).items).toEqual([]);
    expect((await search("'password'")).items.map((t) => t.id)).toContain(ids.echo);
    const detail = await get(r.worker.GET, `/api/v1/workers/${worker.hostname}`, { hostname: worker.hostname });
    expect(expectNoLeak('worker detail', detail.text)).toContain(ids.echo); // its recent tasks
    const viewer = await listTasks(ctx, { q: 'login', limit: 50 }, { hideArgs: true });
    expect(viewer.items).toEqual([]); // a hidden argument is not searchable either
  });

  it('SSE notices carried the tasks, masked', async () => {
    await waitFor(async () => notices.some((n) => n.tasks.some((t) => t.id === ids.fail && t.state === 'FAILURE')), 'a notice of the failure');
    expectNoLeak('SSE notices', notices);
    expect(notices.flatMap((n) => n.tasks).find((t) => t.id === ids.echo && t.result)?.result).toBe("{'password': '***', 'card': '***'}");
  });

  it('the failure alert, its notification and /metrics name the exception class only', async () => {
    const incident = await waitForIncident(ctx, 'task-failure-rate', ['firing'], (i) => i.labels.task === 'tasks.fail');
    expectNoLeak('incident', incident);
    expectNoLeak('alerts list', await listAlerts(ctx, { limit: 100 }));
    const delivered = await waitFor(async () => (receiver.requests.length > 0 ? receiver.requests : null), 'the webhook notification');
    expect(expectNoLeak('notification', delivered.map((d) => d.body))).toContain('tasks.fail');

    const metrics = await waitFor(async () => {
      const text = (await get(r.metrics.GET, '/metrics')).text;
      return text.includes('celery_task_failed_total{') ? text : null;
    }, 'the failure counted in /metrics');
    expectNoLeak('/metrics', metrics);
    expect(metrics).toMatch(/celery_task_failed_total\{[^}]*exception="ValueError"/);
  });

  it('the broker and the store still hold the truth (redaction is on the way out only)', async () => {
    const store = new Redis(server.url(0));
    const raw = await store.get(`trellis:t:${ids.echo}`).catch(() => null);
    store.disconnect();
    const truth = raw ?? JSON.stringify(await ctx.store.get(ctx.keys.task(ids.echo)));
    expect(truth).toContain(SECRET);
  });
});
