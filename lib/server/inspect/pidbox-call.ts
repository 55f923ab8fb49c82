import 'server-only';
import { randomUUID } from 'node:crypto';
import { buildControlRequest, decodeControlReply, validateControlMessage, type InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { createRedisClient } from '../redis/client';

// One remote-control round, exactly as the protocol doc §6.4: SADD the reply binding BEFORE
// publishing (a reply with no binding is dropped), PUBLISH, BRPOP replies on a dedicated blocking
// connection until the deadline or until every possible replier answered, then SREM + DEL in
// `finally` so no binding or reply list outlives the call.

export interface PidboxCallOptions {
  method: InspectCommand;
  arguments?: Record<string, unknown>;
  /** null = broadcast to every worker. */
  destination: string[] | null;
  timeoutSeconds: number;
}

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
  const blocking = createRedisClient(ctx.config.broker, 'blocking', { maxRetriesPerRequest: 0 });
  try {
    await ctx.broker.sadd(req.bindingKey, req.bindingMember);
    out.reached = await ctx.broker.publish(req.channel, req.message);
    const limit = Math.min(opts.destination?.length ?? Infinity, out.reached);
    const deadline = started + opts.timeoutSeconds * 1000;
    while (out.replies.size + out.undecodable < limit) {
      const left = (deadline - Date.now()) / 1000;
      if (left <= 0.005) break;
      const popped = await blocking.brpopBuffer(req.replyKey, Math.max(0.01, Math.round(left * 1000) / 1000));
      if (!popped) break;
      const reply = decodeControlReply(popped[1], req.ticket);
      if (reply.kind === 'reply') out.replies.set(reply.node, reply.result);
      else if (reply.kind === 'undecodable') out.undecodable += 1;
    }
  } finally {
    blocking.disconnect();
    await ctx.broker.multi().srem(req.bindingKey, req.bindingMember).del(...req.cleanupKeys).exec();
  }
  out.elapsedMs = Date.now() - started;
  return out;
}
