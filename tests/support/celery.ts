// Real Celery workers for tests: Debian's python3-celery run as `/usr/bin/python3 -m celery`, from
// the example app in examples/celery_app. Every worker started here is killed when the test
// process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const APP_DIR = path.resolve(__dirname, '../../examples/celery_app');

export interface WorkerOptions {
  brokerUrl: string;
  backendUrl?: string;
  name: string;
  queues?: string[];
  pool?: 'prefork' | 'solo' | 'threads';
  concurrency?: number;
  env?: Record<string, string>;
  extraArgs?: string[];
}

export interface Worker {
  hostname: string;
  pid: number;
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  logs(): string;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of running) c.kill('SIGKILL');
});

function celeryEnv(brokerUrl: string, backendUrl: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CELERY_BROKER_URL: brokerUrl,
    CELERY_RESULT_BACKEND: backendUrl ?? brokerUrl,
    PYTHONPATH: APP_DIR,
    PYTHONUNBUFFERED: '1',
    ...extra,
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const hostname = `${opts.name}@${(await import('node:os')).hostname()}`;
  const args = ['-m', 'celery', '-A', 'tasks', 'worker', '-E', '-n', `${opts.name}@%h`, '--loglevel=INFO', '--without-mingle'];
  if (opts.queues) args.push('-Q', opts.queues.join(','));
  args.push('-P', opts.pool ?? 'prefork', '-c', String(opts.concurrency ?? 2), ...(opts.extraArgs ?? []));
  const child = spawn(PYTHON, args, { cwd: APP_DIR, env: celeryEnv(opts.brokerUrl, opts.backendUrl, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let logs = '';
  const onData = (d: Buffer) => (logs += d.toString());
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker ${hostname} not ready in 60 s:\n${logs}`)), 60_000);
    const check = () => {
      if (/ ready\./.test(logs)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${hostname} exited (${code}) before ready:\n${logs}`));
    });
  });
  return {
    hostname,
    pid: child.pid as number,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
      running.delete(child);
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      child.kill(signal);
      await exited(child);
      running.delete(child);
    },
  };
}

/** Runs examples/celery_app/driver.py and returns the JSON line it prints. */
export async function runDriver(args: string[], opts: { brokerUrl: string; backendUrl?: string; env?: Record<string, string> }): Promise<unknown> {
  const child = spawn(PYTHON, [path.join(APP_DIR, 'driver.py'), ...args], {
    cwd: APP_DIR,
    env: celeryEnv(opts.brokerUrl, opts.backendUrl, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`driver ${args.join(' ')} exited ${code}:\n${err}`);
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as unknown;
}
