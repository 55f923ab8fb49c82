// Real Celery workers for tests: Debian's python3-celery run as `/usr/bin/python3 -m celery`, from
// the example app in examples/celery_app. Every worker started here (and its pool processes) is
// killed when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const PYTHON = '/usr/bin/python3';
export const APP_DIR = path.resolve(__dirname, '../../examples/celery_app');

export interface WorkerOptions {
  brokerUrl: string;
  backendUrl?: string;
  /** Node name part: the worker runs as `<name>@<host>`. */
  name: string;
  /** `-Q` (default: the app's default queue, `celery`). */
  queues?: string[];
  pool?: 'prefork' | 'solo' | 'threads';
  /** Default 2. */
  concurrency?: number;
  env?: Record<string, string>;
  extraArgs?: string[];
  /** `-E` (send task events; default true). Heartbeats are sent either way. */
  taskEvents?: boolean;
}

export interface Worker {
  /** The node name, e.g. `w1@myhost`, as it appears in events and results. */
  hostname: string;
  pid: number;
  /** Warm shutdown (SIGTERM), waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
  /** Sends a signal (default SIGKILL) to the main process and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Everything the worker printed so far (stdout and stderr). */
  logs(): string;
}

export interface DriverOptions {
  brokerUrl: string;
  backendUrl?: string;
  env?: Record<string, string>;
  /** Default 120 s. */
  timeoutMs?: number;
}

// Pids to SIGKILL when this process exits: the workers, and the pool processes of workers that a
// test killed (they finish their current task before noticing the parent is gone).
const leftovers = new Set<number>();
process.once('exit', () => {
  for (const pid of leftovers) {
    for (const p of [...descendants(pid), pid]) {
      try {
        // Only our own Celery processes, never a process that re-used a pid meanwhile.
        if (readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('celery')) process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** Pids of every process below `pid` (read from /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return [];
  }
  for (const e of entries) {
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function celeryEnv(brokerUrl: string, backendUrl: string | undefined, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    CELERY_BROKER_URL: brokerUrl,
    CELERY_RESULT_BACKEND: backendUrl ?? brokerUrl,
    PYTHONPATH: APP_DIR,
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...extra,
  };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
}

export async function startWorker(opts: WorkerOptions): Promise<Worker> {
  const hostname = `${opts.name}@${os.hostname()}`;
  const args = ['-m', 'celery', '-A', 'tasks', 'worker', ...(opts.taskEvents === false ? [] : ['-E']), '-n', `${opts.name}@%h`, '--loglevel=INFO', '--without-mingle'];
  if (opts.queues) args.push('-Q', opts.queues.join(','));
  args.push('-P', opts.pool ?? 'prefork', '-c', String(opts.concurrency ?? 2), ...(opts.extraArgs ?? []));
  const child = spawn(PYTHON, args, { cwd: APP_DIR, env: celeryEnv(opts.brokerUrl, opts.backendUrl, opts.env), stdio: ['ignore', 'pipe', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${PYTHON} -m celery`);
  leftovers.add(pid);
  let logs = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker ${hostname} not ready in 60 s:\n${logs}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      logs += d.toString();
      if (/ ready\.\s*$/m.test(logs)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker ${hostname} exited (${code}) before ready:\n${logs}`));
    });
  });
  return {
    hostname,
    pid,
    logs: () => logs,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited(child);
      clearTimeout(timer);
      leftovers.delete(pid);
    },
    kill: async (signal: NodeJS.Signals = 'SIGKILL') => {
      const pool = descendants(pid);
      child.kill(signal);
      await exited(child);
      leftovers.delete(pid);
      for (const p of pool) leftovers.add(p);
    },
  };
}

/**
 * Runs examples/celery_app/driver.py and returns the JSON line it prints (parse it with zod).
 * Rejects when the driver exits non-zero or prints no JSON.
 */
export async function runDriver(args: string[], opts: DriverOptions): Promise<unknown> {
  const child = spawn(PYTHON, [path.join(APP_DIR, 'driver.py'), ...args], {
    cwd: APP_DIR,
    env: celeryEnv(opts.brokerUrl, opts.backendUrl, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  }).finally(() => clearTimeout(timer));
  if (code !== 0) throw new Error(`driver ${args.join(' ')} exited ${code ?? `(killed after ${timeoutMs} ms)`}:\n${err}`);
  const line = out.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as unknown;
  } catch {
    throw new Error(`driver ${args.join(' ')} printed no JSON line:\n${out}\n${err}`);
  }
}
