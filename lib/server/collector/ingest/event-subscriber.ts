import type Redis from 'ioredis';
import { createRedisClient } from '../../redis/client';
import type { RedisTarget } from '../../redis/url';

// The dedicated pub/sub connection on the broker's event channel. It reports when it goes down and
// comes back (resubscribing itself, so the moment it is listening again is known exactly), and why,
// by comparing the server before and after: a new run_id means Redis restarted; the same run_id
// means Redis dropped (or someone killed) the connection — usually the pub/sub output-buffer limit,
// which Redis ≥ 7.2 also counts in INFO stats (client_output_buffer_limit_disconnections); a
// different server address means the master changed (a failover, e.g. by Sentinel).
// Runs in the ingest thread.

export interface SubscriberTarget {
  broker: RedisTarget;
  pattern: string;
}

export interface SubscriberHandlers {
  onMessage(data: Buffer, receivedAt: number): void;
  /** Called at once when the subscription is lost. */
  onDown(at: number): void;
  /** Called when listening again; `reason` explains the preceding loss (null on the first start). */
  onUp(at: number, reason: string | null): void;
}

interface ServerMark {
  /** host:port the subscriber is connected to. */
  address: string;
  runId: string | null;
  outputBufferDisconnects: number | null;
}

const RESUBSCRIBE_MS = 500;

export class EventSubscriber {
  private client: Redis | null = null;
  private listening = false;
  private mark: ServerMark | null = null;
  private wasDown = false;

  constructor(
    private readonly target: SubscriberTarget,
    private readonly handlers: SubscriberHandlers,
  ) {}

  async start(): Promise<void> {
    const client = createRedisClient(this.target.broker, 'subscriber', {
      autoResubscribe: false,
      maxRetriesPerRequest: null,
    });
    this.client = client;
    client.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, data: Buffer) => {
      this.handlers.onMessage(data, Date.now() / 1000);
    });
    client.on('ready', () => void this.subscribe());
    // Resolve once listening (or after a bound, if Redis is down: the subscription then follows).
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, 5_000);
      this.firstUp = done;
    });
    client.on('close', () => {
      if (!this.listening) return;
      this.listening = false;
      this.wasDown = true;
      this.handlers.onDown(Date.now() / 1000);
    });
  }

  private firstUp: (() => void) | null = null;

  private async subscribe(): Promise<void> {
    const client = this.client;
    if (!client || this.listening) return;
    try {
      const mark = await serverMark(client);
      await client.psubscribe(this.target.pattern);
      this.listening = true;
      const reason = this.wasDown ? explain(this.mark, mark) : null;
      this.mark = mark;
      this.wasDown = false;
      this.handlers.onUp(Date.now() / 1000, reason);
      this.firstUp?.();
      this.firstUp = null;
    } catch {
      // The connection went away again ('ready' fires once it is back), or PSUBSCRIBE timed out on
      // a connection that stayed up (a stalled Redis, TRELLIS_REDIS_TIMEOUT): then try again.
      if (this.client === client && client.status === 'ready') setTimeout(() => void this.subscribe(), RESUBSCRIBE_MS).unref();
    }
  }

  get isListening(): boolean {
    return this.listening;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.listening = false;
    if (!client) return;
    client.removeAllListeners('close');
    client.removeAllListeners('ready');
    client.disconnect();
  }
}

/** The server this (not yet subscribed) connection reached: asked on the connection itself, so it
 *  is the server the subscription is on, also right after a failover. */
async function serverMark(client: Redis): Promise<ServerMark> {
  const address = `${client.stream.remoteAddress}:${client.stream.remotePort}`;
  try {
    const info = (await client.info('server')) + (await client.info('stats'));
    const ob = /client_output_buffer_limit_disconnections:(\d+)/.exec(info);
    return { address, runId: /run_id:(\w+)/.exec(info)?.[1] ?? null, outputBufferDisconnects: ob ? Number(ob[1]) : null };
  } catch {
    return { address, runId: null, outputBufferDisconnects: null };
  }
}

/** Why the subscription was lost, judged by comparing the server before and after. */
export function explain(before: ServerMark | null, after: ServerMark): string {
  // Another address and another server (not the same one reached another way, e.g. IPv4/IPv6).
  if (before?.address && after.address && before.address !== after.address && before.runId !== after.runId)
    return `the broker's master changed to ${after.address} (a failover; connection lost)`;
  if (before?.runId && after.runId && before.runId !== after.runId) return 'Redis restarted (connection lost)';
  if (before?.outputBufferDisconnects != null && after.outputBufferDisconnects != null && after.outputBufferDisconnects > before.outputBufferDisconnects)
    return 'subscriber dropped by Redis: pub/sub output-buffer limit exceeded (events arrived faster than they were read)';
  if (before?.runId && after.runId === before.runId)
    return 'subscriber connection dropped while Redis stayed up (the usual cause is the pub/sub output-buffer limit: events arrived faster than they were read)';
  return 'subscriber connection lost';
}
