// Test helpers to run Trellis' own parts against a test Redis: a context bound to that Redis, a
// collector (in this process or as a child process), synthetic Celery events in the real wire
// format, and polling.
import { spawn, type ChildProcess } from 'node:child_process';
import Redis from 'ioredis';
import { encodeEventMessage } from '@/lib/server/celery/event-message';
import { loadConfig } from '@/lib/server/config';
import { createContext, type TrellisContext } from '@/lib/server/context';

export function testContext(env: Record<string, string>): TrellisContext & { close(): void } {
  const config = loadConfig({ TRELLIS_LOG_LEVEL: 'warn', ...env });
  const store = new Redis(config.store.url);
  const broker = config.broker.url === config.store.url ? store : new Redis(config.broker.url);
  const backend = config.resultBackend.url === config.broker.url ? broker : new Redis(config.resultBackend.url);
  for (const c of [store, broker, backend]) c.on('error', () => undefined); // tests restart Redis on purpose
  const ctx = createContext(config, { store, broker, backend });
  return { ...ctx, close: () => [store, broker, backend].forEach((c) => c.disconnect()) };
}

export async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

/** A collector as its own process (`scripts/collector.ts`), as `npm run collector` runs it. */
export function spawnCollector(env: Record<string, string>): ChildProcess & { output(): string } {
  const child = spawn(process.execPath, ['--conditions=react-server', '--import', 'tsx', 'scripts/collector.ts'], {
    env: { ...process.env, TRELLIS_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return Object.assign(child, { output: () => out });
}

/** Resolves once the child process has exited (at once if it already has). */
export function exited(child: { exitCode: number | null; signalCode: string | null; once(e: 'exit', f: () => void): unknown }): Promise<void> {
  return new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : void child.once('exit', () => resolve())));
}

let clock = 0;

/** Publishes task events as a worker would (a task.multi list) or as a client (task-sent). */
/** One task.multi event message, as a worker's event dispatcher groups task events. */
export function taskEventsMessage(db: number, events: Array<Record<string, unknown>>, hostname = 'w1@test') {
  const now = Date.now() / 1000;
  const body = events.map((e) => ({ hostname, utcoffset: 0, pid: 4242, clock: ++clock, timestamp: now, ...e }));
  return encodeEventMessage(body, { hostname, routingKey: 'task.multi', channel: `/${db}.celeryev/task.multi` });
}

export async function publishTaskEvents(redis: Redis, db: number, events: Array<Record<string, unknown>>, hostname = 'w1@test'): Promise<void> {
  const m = taskEventsMessage(db, events, hostname);
  await redis.publish(m.channel, m.data);
}

export async function publishHeartbeat(redis: Redis, db: number, hostname: string, pid = 4242, type = 'worker-heartbeat'): Promise<void> {
  const m = encodeEventMessage(
    { hostname, utcoffset: 0, pid, clock: ++clock, freq: 2, active: 0, processed: 1, loadavg: [0.1, 0.1, 0.1], sw_ident: 'py-celery', sw_ver: '5.2.6', sw_sys: 'Linux', timestamp: Date.now() / 1000, type },
    { hostname, routingKey: type.replace('-', '.'), channel: `/${db}.celeryev/${type.replace('-', '.')}` },
  );
  await redis.publish(m.channel, m.data);
}

/** received → started → succeeded for a fresh task. */
export function lifecycle(id: string, name = 'tasks.add', end: Record<string, unknown> = { type: 'task-succeeded', result: '5', runtime: 0.01 }) {
  return [
    { type: 'task-received', uuid: id, name, args: '(2, 3)', kwargs: '{}', root_id: id, parent_id: null, retries: 0, eta: null, expires: null },
    { type: 'task-started', uuid: id },
    { ...end, uuid: id },
  ];
}
