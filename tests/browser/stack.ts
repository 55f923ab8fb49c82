// A real stack for browser tests: redis-server, two Celery workers, and the built Trellis
// (`next start`, which must have been built) on free ports, with the driver's workload run once.
import { spawn, type ChildProcess } from 'node:child_process';
import { z } from 'zod';
import { runDriver, startWorker, type Worker } from '../support/celery';
import { freePort, startRedis } from '../support/redis-server';

export const Workload = z.object({
  success: z.array(z.string()),
  failure: z.string(),
  retry_fail: z.string(),
  retry_success: z.string(),
  chain: z.array(z.string()),
  chord: z.object({ body: z.string(), header: z.array(z.string()) }),
});

export interface Stack {
  baseUrl: string;
  brokerUrl: string;
  backendUrl: string;
  workers: Worker[];
  workload: z.infer<typeof Workload>;
  stop(): Promise<void>;
}

/** `env` is added to Trellis' environment (e.g. an alerts file and a short evaluation interval); `port`
 *  when it must be known before (an OIDC redirect URI); `readyPath` answers below 500 once it is up. */
export async function startStack(opts: { env?: Record<string, string>; port?: number; readyPath?: string } = {}): Promise<Stack> {
  const redis = await startRedis();
  const brokerUrl = redis.url(0);
  const backendUrl = redis.url(1);
  const server = await startTrellis({ ...opts, env: { CELERY_BROKER_URL: brokerUrl, CELERY_RESULT_BACKEND: backendUrl, ...opts.env } });
  const baseUrl = server.baseUrl;
  const workers = await Promise.all([
    startWorker({ brokerUrl, backendUrl, name: 'b1', queues: ['celery', 'fast'], concurrency: 2 }),
    startWorker({ brokerUrl, backendUrl, name: 'b2', queues: ['celery'], concurrency: 2 }),
  ]);
  const workload = Workload.parse(await runDriver(['workload', '--wait'], { brokerUrl, backendUrl }));
  return {
    baseUrl,
    brokerUrl,
    backendUrl,
    workers,
    workload,
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop()));
      server.stop();
      await redis.stop();
    },
  };
}

/** The built Trellis alone (`next start`) on a free port, once it answers. */
export async function startTrellis(opts: { env?: Record<string, string>; port?: number; readyPath?: string }): Promise<{ baseUrl: string; stop(): void }> {
  const port = opts.port ?? (await freePort());
  const server: ChildProcess = spawn('npx', ['next', 'start', '-p', String(port)], {
    env: {
      ...process.env,
      TRELLIS_LOG_LEVEL: 'warn',
      // One browser signs in many times a minute from one address here; the limits themselves are
      // tested in tests/integration/protections-routes.test.ts and tests/browser/page-rate-limit.spec.ts.
      TRELLIS_RATE_LIMIT: '60000',
      ...opts.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
    detached: true,
  });
  const stop = () => {
    if (server.pid) process.kill(-server.pid, 'SIGTERM');
  };
  const baseUrl = `http://127.0.0.1:${port}`;
  const end = Date.now() + 60_000;
  for (;;) {
    // Up once it answers (401 from a guarded path when sign-in is on).
    const ok = await fetch(`${baseUrl}${opts.readyPath ?? '/api/v1/health'}`).then((r) => r.status < 500, () => false);
    if (ok) return { baseUrl, stop };
    if (Date.now() > end) {
      stop();
      throw new Error('Trellis did not start');
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
