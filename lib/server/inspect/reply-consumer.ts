import 'server-only';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { decodeTicketedReply, type ControlReply } from '../celery/control';
import type { TrellisContext } from '../context';
import { createRedisClient } from '../redis/client';
import { blockingTimeout, redisMajorVersion } from '../redis/server-version';

// One reply queue and one blocking connection per process (and control exchange), shared by every
// remote-control call: what Celery's own client does (protocol doc §6.4: "keep one long-lived reply
// id per dashboard process and match replies by ticket"). Each call registers its ticket; a single
// BRPOP loop hands replies to the call that owns them and drops the rest (late replies of finished
// calls). The reply binding exists only while some call waits: bound by each call before it
// publishes, unbound (SREM + DEL) when the last one finishes, so nothing outlives the calls.
// The blocking connection is closed after IDLE_CLOSE_MS without calls.

const SEP = '\x06\x16';
/** BRPOP timeout while calls wait: the loop notices the last call leaving within this. */
const POLL_S = 0.25;
const IDLE_CLOSE_MS = 30_000;
/** A worker that read the binding just before it was removed can still LPUSH after the DEL (§6.4). */
const LATE_REPLY_SWEEP_MS = 5_000;
const RETRY_MS = 200;

export type ReplyHandler = (reply: ControlReply) => void;

export class ReplyConsumer {
  readonly replyId = randomUUID();
  private readonly handlers = new Map<string, ReplyHandler>();
  private blocking: Redis | null = null;
  private running = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly bindingKey: string;
  private readonly bindingMember: string;
  private readonly replyKeys: string[];

  constructor(private readonly ctx: TrellisContext) {
    const replyQueue = `${this.replyId}.${ctx.celery.replyExchange}`;
    this.bindingKey = ctx.celery.bindingKey(ctx.celery.replyExchange);
    this.bindingMember = `${this.replyId}${SEP}${SEP}${replyQueue}`;
    this.replyKeys = ctx.celery.queueBandKeys(replyQueue).map((b) => b.key);
  }

  /** Registers a call and binds the reply queue; resolves once replies to `ticket` can arrive. */
  async open(ticket: string, onReply: ReplyHandler): Promise<void> {
    this.handlers.set(ticket, onReply);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    try {
      await this.ctx.broker.sadd(this.bindingKey, this.bindingMember); // before the PUBLISH (§6.4)
    } catch (err) {
      await this.close(ticket);
      throw err;
    }
    void this.pump();
  }

  /** Unregisters a call; the last one out removes the binding and the reply list. */
  async close(ticket: string): Promise<void> {
    if (!this.handlers.delete(ticket) || this.handlers.size > 0) return;
    // Sent on the command connection in order: a call opening after this binds again after it.
    await this.ctx.broker.multi().srem(this.bindingKey, this.bindingMember).del(...this.replyKeys).exec().catch(() => undefined);
    setTimeout(() => {
      if (this.handlers.size === 0) void this.ctx.broker.del(...this.replyKeys).catch(() => undefined);
    }, LATE_REPLY_SWEEP_MS).unref();
    if (this.handlers.size > 0) return; // a round opened meanwhile
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (this.handlers.size === 0) this.disconnect();
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  disconnect(): void {
    this.blocking?.disconnect();
    this.blocking = null;
  }

  private connection(): Redis {
    this.blocking ??= createRedisClient(this.ctx.config.broker, 'blocking', { maxRetriesPerRequest: 0 });
    return this.blocking;
  }

  /** The one BRPOP loop, running while any call waits. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const major = await redisMajorVersion(this.ctx.broker);
      const [key] = this.replyKeys; // priority 0: replies only land on the base list (§6.4)
      while (this.handlers.size > 0 && key) {
        try {
          const popped = await this.connection().brpopBuffer(key, blockingTimeout(POLL_S, major));
          if (!popped) continue;
          const { ticket, reply } = decodeTicketedReply(popped[1]);
          if (ticket) this.handlers.get(ticket)?.(reply);
        } catch {
          // Connection lost: the client reconnects; calls still waiting end at their own deadline.
          await new Promise((r) => setTimeout(r, RETRY_MS));
        }
      }
    } finally {
      this.running = false;
    }
  }
}

const consumers = new WeakMap<object, Map<string, ReplyConsumer>>();

/** This process' reply consumer for the context's broker client and control exchange. */
export function replyConsumer(ctx: TrellisContext): ReplyConsumer {
  let byExchange = consumers.get(ctx.broker);
  if (!byExchange) {
    consumers.set(ctx.broker, (byExchange = new Map()));
    ctx.broker.once('end', () => byExchange?.forEach((c) => c.disconnect()));
  }
  const key = ctx.celery.bindingKey(ctx.celery.replyExchange);
  let consumer = byExchange.get(key);
  if (!consumer) byExchange.set(key, (consumer = new ReplyConsumer(ctx)));
  return consumer;
}
