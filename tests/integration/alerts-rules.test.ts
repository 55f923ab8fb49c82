import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acknowledgeIncident, createSilence, firingCount, listAlerts } from '@/lib/server/alerts/alerts-api';
import { Collector } from '@/lib/server/collector/collector';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { startRedis } from '../support/redis-server';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import { testContext, waitFor } from '../support/trellis';
import { waitForIncident, waitForResolved, writeAlertsFile } from '../support/alerts';

// Issue 9's "done when", against real Celery workers and a real Redis: each rule fires from real
// traffic, notifies once through a real webhook receiver (signature verified), resolves when the
// cause is gone; acknowledgements and silences act on the next cycle.

const SECRET = 'test-webhook-secret-0123456789';
const Ids = z.object({ ids: z.array(z.string()) });

type RedisServer = Awaited<ReturnType<typeof startRedis>>;
let server: RedisServer;
let receiver: HttpReceiver;
let ctx: ReturnType<typeof testContext>;
let collector: Collector;
let w1: Worker;
let holder: Worker;
const extra: Worker[] = [];
const driver = (args: string[]) => runDriver(args, { brokerUrl: server.url(0), backendUrl: server.url(1) });

/** Webhook deliveries received so far, verified and parsed. */
function deliveries(): Array<{ kind: string; dedupKey: string; ruleId: string; url: string }> {
  return receiver.requests.map((r) => {
    const ts = String(r.headers['x-trellis-timestamp']);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${ts}.${r.body}`).digest('hex')}`;
    expect(r.headers['x-trellis-signature']).toBe(expected);
    const n = (JSON.parse(r.body) as { notification: Record<string, string> }).notification;
    return { kind: String(n.kind), dedupKey: String(n.dedupKey), ruleId: String(n.ruleId), url: String(n.url) };
  });
}

beforeAll(async () => {
  server = await startRedis();
  receiver = await startHttpReceiver();
  const file = writeAlertsFile({
    channels: [{ id: 'hook', type: 'webhook', url: `${receiver.url}/hook`, secret: SECRET }],
    routes: [{ channels: ['hook'] }],
    rules: [
      { id: 'queue-no-consumer', for: 0 },
      { id: 'queue-imbalance', for: 0, threshold: 1 },
      { id: 'queue-backlog', for: 0, threshold: 5 },
      { id: 'queue-oldest-age', for: 0, threshold: 3 },
      { id: 'worker-lost', for: 0 },
      { id: 'worker-offline', for: 0, window: 5 },
      // Windows of one minute (the counters' resolution): they resolve at the next minute or so.
      { id: 'task-failure-rate', threshold: 50, minRuns: 5, window: 60 },
      { id: 'task-retries-exhausted', window: 60 },
      { id: 'task-stuck', threshold: 4 },
      { id: 'eta-pileup', for: 0, threshold: 3 },
      { id: 'unacked-overdue', threshold: 0 },
    ],
  });
  ctx = testContext({
    CELERY_BROKER_URL: server.url(0),
    CELERY_RESULT_BACKEND: server.url(1),
    TRELLIS_ALERTS_FILE: file,
    TRELLIS_PUBLIC_URL: 'https://trellis.example.test',
    TRELLIS_SAMPLE_INTERVAL: '1',
    TRELLIS_VISIBILITY_TIMEOUT: '3',
  });
  collector = new Collector(ctx, { alertIntervalMs: 500, resourceSampleMs: 1_000 });
  await collector.start();
  w1 = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w1', queues: ['celery'], concurrency: 2 });
}, 120_000);

afterAll(async () => {
  await Promise.all([w1, holder, ...extra].map((w) => w?.stop().catch(() => undefined)));
  await collector?.stop();
  ctx?.close();
  await receiver?.close();
  await server?.stop();
});

describe('alert rules against real workers', () => {
  it('a backlog on a queue with no consumer fires no-consumer, imbalance and backlog; add_consumer resolves them', async () => {
    await driver(['queue-only', 'orphans', '20']);
    const noConsumer = await waitForIncident(ctx, 'queue-no-consumer', ['firing'], (i) => i.labels.queue === 'orphans');
    expect(noConsumer.value).toBe(20);
    expect(noConsumer.path).toBe('/queues/orphans');
    const imbalance = await waitForIncident(ctx, 'queue-imbalance', ['firing'], (i) => i.labels.queue === 'orphans');
    expect(imbalance.details.peers).toContain('celery');
    await waitForIncident(ctx, 'queue-backlog', ['firing'], (i) => i.labels.queue === 'orphans');
    await waitForIncident(ctx, 'queue-oldest-age', ['firing'], (i) => i.labels.queue === 'orphans');

    await driver(['add-consumer', 'orphans', w1.hostname]);
    for (const rule of ['queue-no-consumer', 'queue-imbalance', 'queue-backlog', 'queue-oldest-age']) {
      const resolved = await waitForResolved(ctx, rule, (i) => i.labels.queue === 'orphans', 40_000);
      expect(resolved.state).toBe('resolved');
      expect(resolved.timeline.map((t) => t.event)).toEqual(expect.arrayContaining(['pending', 'firing', 'resolved']));
    }
    // One firing and one resolved notification per incident, each linking to the queue's page.
    const sent = await waitFor(async () => {
      const d = deliveries().filter((x) => x.ruleId === 'queue-no-consumer');
      return d.some((x) => x.kind === 'resolved') ? d : null;
    }, 'the resolved notification');
    expect(sent.map((d) => d.kind)).toEqual(['firing', 'resolved']);
    expect(sent[0]?.url).toBe('https://trellis.example.test/queues/orphans');
  }, 120_000);

  it('failing tasks fire the failure rate; a task that retried and failed fires retries exhausted', async () => {
    await driver(['failures', '6']);
    const rate = await waitForIncident(ctx, 'task-failure-rate', ['firing'], (i) => i.labels.task === 'tasks.fail');
    expect(rate.details.failed).toBe(6);
    expect(rate.path).toBe('/tasks?name=tasks.fail&state=FAILURE');
    await driver(['retry-fail', '1']);
    const exhausted = await waitForIncident(ctx, 'task-retries-exhausted', ['firing'], (i) => i.labels.task === 'tasks.retry_then_fail');
    expect(exhausted.value).toBe(1);
  }, 60_000);

  it('a long task fires stuck, naming the task, and resolves when it ends', async () => {
    const { ids } = Ids.parse(await driver(['sleepers', '1', '9']));
    const stuck = await waitForIncident(ctx, 'task-stuck', ['firing'], (i) => i.labels.task === 'tasks.sleepy', 20_000);
    expect(stuck.details.longestTask).toBe(ids[0]);
    expect(stuck.details.worker).toBe(w1.hostname);
    await waitForResolved(ctx, 'task-stuck', (i) => i.labels.task === 'tasks.sleepy', 30_000);
  }, 60_000);

  it('ETA tasks held by a worker fire the ETA pile-up and, past the visibility timeout, unacked overdue', async () => {
    holder = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'holder', queues: ['held'], concurrency: 1 });
    await driver(['held', 'held', '5']);
    const pile = await waitForIncident(ctx, 'eta-pileup', ['firing']);
    expect(pile.value).toBe(5);
    const overdue = await waitForIncident(ctx, 'unacked-overdue', ['firing']);
    expect(overdue.value).toBeGreaterThanOrEqual(5);
  }, 60_000);

  it('an acknowledged incident is marked so and its channels are told once', async () => {
    const pile = await waitForIncident(ctx, 'eta-pileup', ['firing']);
    await acknowledgeIncident(ctx, pile.id, 'alice', 'looking');
    const acked = await waitForIncident(ctx, 'eta-pileup', ['acknowledged']);
    expect(acked.acknowledged).toMatchObject({ by: 'alice', note: 'looking' });
    await waitFor(async () => deliveries().some((d) => d.ruleId === 'eta-pileup' && d.kind === 'acknowledged'), 'the acknowledged notification');
    // The header badge counts what still needs someone: firing, neither acknowledged nor silenced.
    await waitFor(async () => {
      const [badge, list] = await Promise.all([firingCount(ctx), listAlerts(ctx, { status: 'firing', limit: 100 })]);
      return badge.firing === list.active.length && !list.active.some((i) => i.ruleId === 'eta-pileup');
    }, 'the badge to leave the acknowledged incident out');
  }, 30_000);

  it('a silence suppresses: the incident fires silenced and nobody is notified', async () => {
    await createSilence(ctx, { match: { rule: 'worker-offline' }, duration: 600, reason: 'planned restart' }, 'bob');
    const w3 = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w3', queues: ['spare'], concurrency: 1 });
    await waitFor(async () => (await listAlerts(ctx, { limit: 10 })).evaluator !== null && w3, 'the evaluator');
    await w3.stop();
    const offline = await waitForIncident(ctx, 'worker-offline', ['silenced'], (i) => i.labels.worker === w3.hostname);
    expect(offline.silencedBy).not.toBeNull();
    // Its window (5 s) passes: resolved, and still nobody was told (it never notified while silenced).
    await waitForResolved(ctx, 'worker-offline', (i) => i.labels.worker === w3.hostname, 30_000);
    expect(deliveries().filter((d) => d.ruleId === 'worker-offline')).toEqual([]);
  }, 60_000);

  it('SIGKILL a worker: worker-lost fires within 30 s, and resolves when it is back', async () => {
    const w2 = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w2', queues: ['spare2'], concurrency: 1 });
    await waitFor(async () => (await ctx.store.hexists(ctx.keys.workers, w2.hostname)) === 1, 'w2 to be known');
    const killedAt = Date.now();
    await w2.kill('SIGKILL');
    const lost = await waitForIncident(ctx, 'worker-lost', ['firing'], (i) => i.labels.worker === w2.hostname, 30_000);
    expect(Date.now() - killedAt).toBeLessThan(30_000);
    expect(lost.path).toBe(`/workers/${encodeURIComponent(w2.hostname)}`);
    const back = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'w2', queues: ['spare2'], concurrency: 1 });
    extra.push(back);
    await waitForResolved(ctx, 'worker-lost', (i) => i.labels.worker === w2.hostname, 30_000);
  }, 120_000);

  it('the worker holding the ETA tasks shuts down: they go back to the queue, the pile-up and the overdue unacked resolve', async () => {
    await holder.stop();
    await waitForResolved(ctx, 'eta-pileup', () => true, 90_000);
    await waitForResolved(ctx, 'unacked-overdue', () => true, 90_000);
  }, 200_000);

  it('the failure rate and retries exhausted resolve once their window has passed', async () => {
    await waitForResolved(ctx, 'task-failure-rate', (i) => i.labels.task === 'tasks.fail', 150_000);
    await waitForResolved(ctx, 'task-retries-exhausted', (i) => i.labels.task === 'tasks.retry_then_fail', 150_000);
  }, 310_000);

  it('never notified the same incident twice while it fired', () => {
    const firing = deliveries().filter((d) => d.kind === 'firing').map((d) => d.dedupKey);
    expect(new Set(firing).size).toBe(firing.length);
  });
});
