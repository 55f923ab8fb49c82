import 'server-only';
import { randomUUID } from 'node:crypto';
import { buildControlRequest, decodeControlReply, validateControlMessage, type InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { createRedisClient } from '../redis/client';
import { blockingTimeout, redisMajorVersion } from '../redis/server-version';

// One remote-control round, exactly as the protocol doc §6.4: SADD the reply binding BEFORE
// publishing (a reply with no binding is dropped), PUBLISH, BRPOP replies on a dedicated blocking
// connection until the deadline, until every possible replier answered, or shortly after every
// worker known to be online answered; then SREM + DEL in `finally` so no binding or reply list
// outlives the call (and DEL once more a little later for a reply that raced the SREM).

export interface PidboxCallOptions {
  method: InspectCommand;
  arguments?: Record<string, unknown>;
  /** null = broadcast to every worker. */
  destination: string[] | null;
  timeoutSeconds: number;
  /** Workers known to be answering (online). Once all of them replied, a broadcast waits only
   *  `GRACE_MS` more for others (workers Trellis has no heartbeat of), not the whole timeout. */
  expected?: ReadonlySet<string>;
}

const GRACE_MS = 200;
/** A worker that read the binding just before it was removed can still LPUSH its reply after the
 *  DEL (protocol doc §6.4): the reply list is deleted once more this much later. */
const LATE_REPLY_SWEEP_MS = 5_000;

export interface PidboxCallResult {
  /** node name → reply value, in arrival order. */
  replies: Map<string, unknown>;
  /** Replies from workers whose serializer Trellis does not decode (pickle): counted only. */
  undecodable: number;
  /** Subscribers the request reached (an upper bound on repliers; sniffers count too). */
  reached: number;
  elapsedMs: number;
}

export async function pidboxCall(ctx: TrellisContext, opts: PidboxCallOptions): Promise<PidboxCallResult> {
  const started = Date.now();
  const req = buildControlRequest(ctx.celery, {
    method: opts.method,
    arguments: opts.arguments,
    destination: opts.destination,
    timeoutSeconds: opts.timeoutSeconds,
    now: started / 1000,
    ticket: randomUUID(),
    replyId: randomUUID(),
    deliveryTag: randomUUID(),
  });
  validateControlMessage(req.message, ctx.celery); // again, right before it goes on the wire
  const out: PidboxCallResult = { replies: new Map(), undecodable: 0, reached: 0, elapsedMs: 0 };
  const major = await redisMajorVersion(ctx.broker);
  const blocking = createRedisClient(ctx.config.broker, 'blocking', { maxRetriesPerRequest: 0 });
  try {
    await ctx.broker.sadd(req.bindingKey, req.bindingMember);
    out.reached = await ctx.broker.publish(req.channel, req.message);
    const limit = Math.min(opts.destination?.length ?? Infinity, out.reached);
    let deadline = started + opts.timeoutSeconds * 1000;
    const expected = opts.destination === null && opts.expected && opts.expected.size > 0 ? opts.expected : null;
    while (out.replies.size + out.undecodable < limit) {
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0.005) break;
      const popped = await blocking.brpopBuffer(req.replyKey, blockingTimeout(left, major));
      if (!popped) break;
      const reply = decodeControlReply(popped[1], req.ticket);
      if (reply.kind === 'reply') out.replies.set(reply.node, reply.result);
      else if (reply.kind === 'undecodable') out.undecodable += 1;
      if (expected && [...expected].every((h) => out.replies.has(h))) deadline = Math.min(deadline, Date.now() + GRACE_MS);
    }
  } finally {
    blocking.disconnect();
    await ctx.broker.multi().srem(req.bindingKey, req.bindingMember).del(...req.cleanupKeys).exec();
    setTimeout(() => void ctx.broker.del(...req.cleanupKeys).catch(() => undefined), LATE_REPLY_SWEEP_MS).unref();
  }
  out.elapsedMs = Date.now() - started;
  return out;
}
