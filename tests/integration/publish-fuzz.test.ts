import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishTask } from '@/lib/server/actions/publish-task';
import { readBackendMeta } from '@/lib/server/backend/read-backend-meta';
import type { TaskSpec } from '@/lib/server/celery/task-message';
import { pidboxCall } from '@/lib/server/inspect/pidbox-call';
import { sendControl } from '@/lib/server/workers/send-control';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { EVIL, prng, type Prng } from '../support/fuzz';
import { startRedis } from '../support/redis-server';
import { testContext, waitFor } from '../support/trellis';

// The publish path under random and adversarial input (issue 11, "no test or manual run can make
// Trellis publish a message that a real worker rejects or crashes on"): every input is either
// refused before anything is sent, or its message is taken and run by a real worker — an echo
// returns exactly what was sent. Afterwards the worker is alive and answers ping, every queue is
// empty, nothing is left unacked, and its log shows no rejected or undecodable message.
// Bounded: CASES inputs, at most DEADLINE_MS for the worker to run them all.

const CASES = 400;
const DEADLINE_MS = 90_000;
const SEED = Number(process.env.FUZZ_SEED ?? 11_02);

let server: Awaited<ReturnType<typeof startRedis>>;
let ctx: ReturnType<typeof testContext>;
let worker: Worker;

beforeAll(async () => {
  server = await startRedis();
  ctx = testContext({ CELERY_BROKER_URL: server.url(0), CELERY_RESULT_BACKEND: server.url(1), TRELLIS_LOG_LEVEL: 'silent' });
  worker = await startWorker({ brokerUrl: server.url(0), backendUrl: server.url(1), name: 'fuzz', queues: ['fuzz', 'celery', 'fuzz-other'], pool: 'threads', concurrency: 4 });
}, 120_000);

afterAll(async () => {
  await worker?.kill();
  ctx?.close();
  await server?.stop();
});

const ODD_NUMBERS = [NaN, Infinity, -Infinity, -0, 0, 2 ** 53, 2 ** 64, -(2 ** 63), 1e308, 5e-324, 0.1, 1.5, -1];
const ODD_STRINGS = [...EVIL, '\ud800', '\udfff', 'é😀日本', '\u0000\u0006\u0016', "it's \"q\" \\ \n", 'x'.repeat(200_000)];

function randomJson(r: Prng, depth = 0): unknown {
  const roll = r.int(depth > 6 ? 4 : 8);
  switch (roll) {
    case 0: return r.pick(ODD_NUMBERS);
    case 1: return r.pick(ODD_STRINGS);
    case 2: return [null, true, false, undefined][r.int(4)]; // pick() refuses undefined
    case 3: return r.int(1_000_000) - 500_000;
    case 4: case 5: return Array.from({ length: r.int(5) }, () => randomJson(r, depth + 1));
    case 6: return Object.fromEntries(Array.from({ length: r.int(4) }, () => [r.pick(['a', '__proto__', 'constructor', '1', '', 'é', r.pick(EVIL)]), randomJson(r, depth + 1)]));
    default: return r.chance(0.05) ? JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`) : r.pick([new Date(), 10n, () => 1, Symbol('s')]);
  }
}

const SAFE_NAMES = ['tasks.echo', 'tasks.echo', 'tasks.echo', 'tasks.add', 'tasks.xsum'];

function randomTime(r: Prng): unknown {
  const now = Date.now();
  return r.pick([
    null,
    new Date(now + r.int(1500)),
    new Date(now - r.int(60_000)),
    new Date(NaN),
    new Date(8.64e15),
    new Date(now + 1000).toISOString(),
    new Date(now + 500).toISOString().replace('Z', '000+00:00'),
    '2026-02-31T00:00:00.000000+00:00',
    'tomorrow',
    r.pick(EVIL),
    now / 1000,
  ]);
}

function randomSpec(r: Prng): TaskSpec {
  const spec: Record<string, unknown> = {
    name: r.chance(0.8) ? r.pick(SAFE_NAMES) : r.chance(0.5) ? `fuzz.${r.int(1000)}` : r.pick(EVIL),
    args: r.chance(0.85) ? [randomJson(r)] : randomJson(r),
  };
  if (r.chance(0.3)) spec.kwargs = r.chance(0.7) ? { value: randomJson(r) } : randomJson(r);
  if (r.chance(0.3)) spec.queue = r.chance(0.6) ? r.pick(['fuzz', 'celery', 'fuzz-other']) : r.pick(EVIL);
  else spec.queue = 'fuzz';
  if (r.chance(0.4)) spec.priority = r.pick([0, 3, 5, 7, 9, 10, -1, 1.5, NaN, null, '5']);
  if (r.chance(0.2)) spec.eta = randomTime(r);
  if (r.chance(0.2)) spec.expires = randomTime(r);
  if (r.chance(0.1)) spec.timeLimit = r.pick([[10, 5], [null, 3], [-1, null], [1e9, null], [NaN, NaN], 'x']);
  if (r.chance(0.1)) [spec.exchange, spec.routingKey] = r.pick([['ex', 'rk'], ['', 'fuzz'], ['\x00', 'x'], ['e', '']]);
  if (r.chance(0.05)) spec.unknownField = true;
  return spec as TaskSpec;
}

/** What an echo of the published args must return: the JSON of the first argument. */
const expectedEcho = (spec: TaskSpec): string => JSON.stringify(JSON.parse(JSON.stringify(spec.args ?? []))[0] ?? null);

describe('publish fuzz with a real worker', () => {
  it(`${CASES} random and adversarial inputs: refused before publishing, or run by the worker`, async () => {
    const r = prng(SEED);
    const published: Array<{ id: string; spec: TaskSpec }> = [];
    let refused = 0;
    for (let i = 0; i < CASES; i++) {
      const spec = randomSpec(r);
      try {
        published.push({ id: await publishTask(ctx, spec), spec });
      } catch (err) {
        expect(err, `case ${i} failed for another reason than validation`).toBeInstanceOf(Error);
        expect(String((err as Error).name)).toMatch(/ZodError|Error/);
        refused++;
      }
    }
    expect(published.length).toBeGreaterThan(CASES / 10);
    expect(refused).toBeGreaterThan(CASES / 10);

    // Messages to queues the worker does not consume (hostile but valid names): it consumes them now.
    const CONSUMED = ['fuzz', 'celery', 'fuzz-other'];
    const odd = [...new Set(published.map((p) => String(p.spec.queue)).filter((q) => !CONSUMED.includes(q)))];
    for (const queue of odd) {
      const res = await sendControl(ctx, 'add_consumer', { queue }, [worker.hostname], { timeoutSeconds: 5 });
      expect(res.replies[0], queue).toMatchObject({ status: 'ok' });
    }
    const started = Date.now();
    // UNKNOWN: a result Python wrote that is not JSON (add(1e308, 1e308) stores Infinity); it ran.
    const done = (m: { status: string } | null) => m !== null && ['SUCCESS', 'FAILURE', 'REVOKED', 'UNKNOWN'].includes(m.status);
    let metas = await Promise.all(published.map((p) => readBackendMeta(ctx, p.id)));
    while (!metas.every(done) && Date.now() - started < DEADLINE_MS) {
      await new Promise((res) => setTimeout(res, 250));
      metas = await Promise.all(published.map((p) => readBackendMeta(ctx, p.id)));
    }
    const pending = published.filter((_, i) => !done(metas[i] ?? null)).map((p) => ({ id: p.id, spec: JSON.stringify(p.spec, (_, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}…` : v)) }));
    expect(pending, `not run; worker log tail:\n${worker.logs().slice(-3000)}`).toEqual([]);
    expect(Date.now() - started).toBeLessThan(DEADLINE_MS);

    const states: Record<string, number> = {};
    published.forEach((p, i) => {
      const m = metas[i];
      if (!m) throw new Error(`no meta for ${p.id}`);
      states[m.status] = (states[m.status] ?? 0) + 1;
      if (p.spec.name === 'tasks.echo' && m.status === 'SUCCESS' && Array.isArray(p.spec.args) && p.spec.args.length === 1 && !p.spec.kwargs) {
        expect(JSON.stringify(m.result), `echo ${p.id}`).toBe(expectedEcho(p.spec));
      }
      if (m.status === 'FAILURE') expect(['NotRegistered', 'TypeError', 'ValueError', 'SoftTimeLimitExceeded', 'TimeLimitExceeded'], p.id).toContain((m.result as { exc_type?: string }).exc_type);
    });
    expect(states.SUCCESS ?? 0).toBeGreaterThan(published.length / 5); // many inputs make the task itself fail (TypeError): still run, not rejected
    if (process.env.FUZZ_VERBOSE) console.log(JSON.stringify({ seed: SEED, published: published.length, refused, odd: odd.length, states }));

    // The worker lives, answers ping, and took everything: no queue, band or unacked message left.
    expect(() => process.kill(worker.pid, 0)).not.toThrow();
    const ping = await pidboxCall(ctx, { method: 'ping', destination: [worker.hostname], timeoutSeconds: 5 });
    expect(ping.replies.get(worker.hostname)).toEqual({ ok: 'pong' });
    const left = async () => {
      const pipe = ctx.broker.pipeline();
      for (const q of [...CONSUMED, ...odd]) for (const b of ctx.celery.queueBandKeys(q)) pipe.llen(b.key);
      pipe.hlen(ctx.celery.unackedKey);
      return ((await pipe.exec()) ?? []).reduce((sum, [, n]) => sum + Number(n), 0);
    };
    await waitFor(async () => (await left()) === 0, 'every message taken and acked (an ack may follow the stored state by a moment)', 10_000);
    expect(worker.logs()).not.toMatch(/Received invalid task message|Can't decode message body|ContentDisallowed|Rejecting|Unrecoverable error|Traceback \(most recent call last\):\s+File "[^"]*kombu/);

    // A Python client still works against the same broker afterwards.
    const after = (await runDriver(['burst', '3', '--wait'], { brokerUrl: server.url(0), backendUrl: server.url(1)})) as { states: Record<string, string> };
    expect(Object.values(after.states)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  }, 240_000);
});
