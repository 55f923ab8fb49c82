import 'server-only';
import { randomUUID } from 'node:crypto';
import { buildControlRequest, validateControlMessage, type ControlReply, type RemoteCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { CallGate, type GateLoad } from './call-gate';
import { replyConsumer } from './reply-consumer';

// One remote-control round, as the protocol doc §6.4: bind the reply queue BEFORE publishing (a
// reply with no binding is dropped), PUBLISH, collect the replies under this call's ticket until the
// deadline, until every possible replier answered, or shortly after every worker known to be online
// answered. Replies arrive over the process' one shared reply queue (reply-consumer.ts); identical
// concurrent rounds are one round and at most a few run at once (call-gate.ts).

export interface PidboxCallOptions {
  method: RemoteCommand;
  arguments?: Record<string, unknown>;
  /** null = broadcast to every worker. */
  destination: string[] | null;
  timeoutSeconds: number;
  /** Workers known to be answering (online). Once all of them replied, a broadcast waits only
   *  `GRACE_MS` more for others (workers Trellis has no heartbeat of), not the whole timeout. */
  expected?: ReadonlySet<string>;
  /** Share a round with an identical one in progress (inspect: yes; a control command: never, each
   *  request is an action of its own). */
  coalesce?: boolean;
}

const GRACE_MS = 200;

export interface PidboxCallResult {
  /** node name → reply value, in arrival order. */
  replies: Map<string, unknown>;
  /** Replies from workers whose serializer Trellis does not decode (pickle): counted only. */
  undecodable: number;
  /** Subscribers the request reached (an upper bound on repliers; sniffers count too). */
  reached: number;
  elapsedMs: number;
}

const gates = new WeakMap<object, CallGate<PidboxCallResult>>();

function gate(ctx: TrellisContext): CallGate<PidboxCallResult> {
  let g = gates.get(ctx.broker);
  if (!g) gates.set(ctx.broker, (g = new CallGate()));
  return g;
}

/** How many rounds this process runs and queues (health, tests). */
export function pidboxLoad(ctx: TrellisContext): GateLoad {
  return gate(ctx).load();
}

export function pidboxCall(ctx: TrellisContext, opts: PidboxCallOptions): Promise<PidboxCallResult> {
  const key =
    opts.coalesce === false
      ? randomUUID()
      : JSON.stringify([ctx.celery.replyExchange, opts.method, opts.arguments ?? {}, opts.destination, opts.timeoutSeconds, [...(opts.expected ?? [])].sort()]);
  return gate(ctx).run(key, () => round(ctx, opts));
}

async function round(ctx: TrellisContext, opts: PidboxCallOptions): Promise<PidboxCallResult> {
  const started = Date.now();
  const consumer = replyConsumer(ctx);
  const req = buildControlRequest(ctx.celery, {
    method: opts.method,
    arguments: opts.arguments,
    destination: opts.destination,
    timeoutSeconds: opts.timeoutSeconds,
    now: started / 1000,
    ticket: randomUUID(),
    replyId: consumer.replyId,
    deliveryTag: randomUUID(),
  });
  validateControlMessage(req.message, ctx.celery); // again, right before it goes on the wire
  const out: PidboxCallResult = { replies: new Map(), undecodable: 0, reached: 0, elapsedMs: 0 };
  const expected = opts.destination === null && opts.expected && opts.expected.size > 0 ? opts.expected : null;
  let limit = Infinity; // known once PUBLISH says how many subscribers it reached
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  let deadline = setTimeout(() => done(), opts.timeoutSeconds * 1000);
  let graceStarted = false;
  const check = () => {
    if (out.replies.size + out.undecodable >= limit) done();
  };
  const onReply = (reply: ControlReply) => {
    if (reply.kind === 'reply') out.replies.set(reply.node, reply.result);
    else if (reply.kind === 'undecodable') out.undecodable += 1;
    else return;
    if (expected && !graceStarted && [...expected].every((h) => out.replies.has(h))) {
      graceStarted = true;
      clearTimeout(deadline);
      deadline = setTimeout(() => done(), Math.max(0, Math.min(GRACE_MS, started + opts.timeoutSeconds * 1000 - Date.now())));
    }
    check();
  };
  try {
    await consumer.open(req.ticket, onReply);
    out.reached = await ctx.broker.publish(req.channel, req.message);
    limit = Math.min(opts.destination?.length ?? Infinity, out.reached);
    check();
    await finished;
  } finally {
    clearTimeout(deadline);
    await consumer.close(req.ticket);
  }
  out.elapsedMs = Date.now() - started;
  return out;
}
