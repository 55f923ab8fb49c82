// A real Redis Sentinel deployment for a test, on loopback, secured as production ones are: one
// master and one replica (both without persistence, with a password) and three `redis-sentinel`
// processes (quorum 2, with their own password) with short down-after and failover timeouts, so a
// failover takes a second or two.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { freePort, startRedis, type RedisServer } from './redis-server';
import { waitFor } from './trellis';

export const MASTER_NAME = 'trellismaster';
/** The master's (and replica's) password: in the URL, as Celery has it. */
export const MASTER_PASSWORD = 'master-pw';
/** The sentinels' own password: TRELLIS_SENTINEL_PASSWORD (Celery: `sentinel_kwargs`). */
export const SENTINEL_PASSWORD = 'sentinel-pw';

export interface SentinelDeployment {
  master: RedisServer;
  replica: RedisServer;
  sentinelPorts: number[];
  /** Celery's syntax: `sentinel://:<master password>@127.0.0.1:p1/db;sentinel://127.0.0.1:p2/db;…`. */
  url(db?: number): string;
  /** The port of the current master, as the sentinels say. */
  masterPort(): Promise<number>;
  /** `SENTINEL FAILOVER`, then waits until the sentinels name the new master; returns its port. */
  failover(): Promise<number>;
  stop(): Promise<void>;
}

/** Throws with a clear message when `redis-sentinel` is not installed (scripts/ensure-system-deps.sh installs it). */
export function requireRedisSentinel(): void {
  try {
    execFileSync('redis-sentinel', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error('redis-sentinel is not installed: run scripts/ensure-system-deps.sh (Debian package redis-sentinel)');
  }
}

const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of alive) c.kill('SIGKILL');
});

export async function startSentinelDeployment(): Promise<SentinelDeployment> {
  requireRedisSentinel();
  // The password is set once each answers (startRedis checks readiness with an anonymous PING).
  const master = await startRedis({ args: ['--masterauth', MASTER_PASSWORD] });
  await requirePassword(master.port);
  const replica = await startRedis({ args: ['--masterauth', MASTER_PASSWORD, '--replicaof', '127.0.0.1', String(master.port)] });
  await requirePassword(replica.port);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trellis-sentinel-'));
  const sentinelPorts = await distinctFreePorts(3);
  const children = sentinelPorts.map((port) => launchSentinel(dir, port, master.port));
  const ask = (port: number) => {
    const c = new Redis({ host: '127.0.0.1', port, password: SENTINEL_PASSWORD, maxRetriesPerRequest: 1, lazyConnect: true });
    c.on('error', () => undefined);
    return c;
  };
  const sentinels = sentinelPorts.map(ask);
  const [first] = sentinels;
  if (!first) throw new Error('no sentinel');
  const masterPort = async () => {
    const addr = (await first.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string] | null;
    if (!addr) throw new Error('the sentinels do not know the master');
    return Number(addr[1]);
  };
  // Ready when every sentinel sees the other two and an in-sync replica (a failover needs one).
  await waitFor(async () => {
    for (const s of sentinels) {
      const peers = (await s.call('SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
      const replicas = (await s.call('SENTINEL', 'REPLICAS', MASTER_NAME)) as string[][];
      const synced = replicas.some((r) => fieldOf(r, 'master-link-status') === 'ok' && !fieldOf(r, 'flags')?.includes('down'));
      if (peers.length < 2 || !synced) return false;
    }
    return true;
  }, 'sentinels to see each other and the replica', 30_000);
  return {
    master,
    replica,
    sentinelPorts,
    url: (db = 0) => sentinelPorts.map((p, i) => `sentinel://${i === 0 ? `:${MASTER_PASSWORD}@` : ''}127.0.0.1:${p}/${db}`).join(';'),
    masterPort,
    failover: async () => {
      const before = await masterPort();
      await first.call('SENTINEL', 'FAILOVER', MASTER_NAME);
      return waitFor(async () => {
        const now = await masterPort();
        return now !== before ? now : null;
      }, 'the sentinels to name a new master', 30_000);
    },
    stop: async () => {
      for (const s of sentinels) s.disconnect();
      await Promise.all(children.map(stopChild));
      await Promise.all([master.stop(), replica.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function launchSentinel(dir: string, port: number, masterPort: number): ChildProcess {
  // Sentinel rewrites its configuration file, so each gets its own.
  const file = path.join(dir, `sentinel-${port}.conf`);
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `requirepass ${SENTINEL_PASSWORD}`,
      `sentinel sentinel-pass ${SENTINEL_PASSWORD}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
      `sentinel auth-pass ${MASTER_NAME} ${MASTER_PASSWORD}`,
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 5000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-sentinel', [file], { stdio: 'ignore' });
  alive.add(child);
  child.once('exit', () => alive.delete(child));
  return child;
}

async function requirePassword(port: number): Promise<void> {
  const c = new Redis({ host: '127.0.0.1', port });
  try {
    await c.config('SET', 'requirepass', MASTER_PASSWORD);
  } finally {
    c.disconnect();
  }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

/** A field of Sentinel's flat `[name, value, name, value, …]` replies. */
function fieldOf(flat: string[], name: string): string | undefined {
  const i = flat.indexOf(name);
  return i >= 0 && i % 2 === 0 ? flat[i + 1] : undefined;
}
