import 'server-only';
import { z } from 'zod';
import { AppError, notFound } from '@/lib/errors';
import { INSPECT_ARGUMENTS, type InspectCommand } from '../celery/control';
import { FULL_VIEW, hidePayload, redactInspectReply, redactorFor, type RedactView } from '../redaction';
import type { TrellisContext } from '../context';
export { InspectCommandSchema, NodeNameSchema } from '../celery/control'; // what routes validate against
import type { WorkerStatus, WorkerView } from '@/lib/schemas/api';
import { listWorkers } from '../workers/list-workers';
import { parseWorkerDoc, toWorkerView } from '../workers/worker-doc';
import { pidboxCall } from './pidbox-call';
import { BUSY_WINDOW_S, forget, hydrate, persist, recall, recalled, remember, type RememberedReply } from './remembered';

// Worker inspection (protocol doc §6.5): one worker or all of them. A worker that does not answer
// within the timeout is reported as `no-reply` (a busy solo-pool worker cannot answer, §6.4), not
// as an error, with what the store knows of it: online (busy), lost (a solo worker running a task
// sends no heartbeats either: busy or gone), offline or unknown. Every reply is redacted (§8.15,
// lib/server/redaction): task arguments in active/reserved/scheduled/query_task, settings in conf/stats.

export type InspectStatus = 'ok' | 'no-reply' | 'error';

export interface InspectReply {
  hostname: string;
  command: InspectCommand;
  status: InspectStatus;
  /** The worker's reply (redacted); absent unless status is ok. */
  reply?: unknown;
  /** The worker's own error text (`{"error": …}` replies). */
  error?: string;
  /** Why no reply, in words. */
  note?: string;
  /** no-reply only: the worker's status in the store when it did not answer (`unknown`: no record). */
  workerStatus?: WorkerStatus | 'unknown';
  /** no-reply only, `active_queues` only: its last successful reply (at most BUSY_WINDOW_S old) and when (epoch seconds). */
  lastReply?: RememberedReply;
}

export interface InspectAllResult {
  command: InspectCommand;
  /**
   * hostname → reply, for every worker that answered and every worker not known to be offline that
   * did not: online, lost within BUSY_WINDOW_S, or one that answered within BUSY_WINDOW_S.
   */
  workers: Record<string, InspectReply>;
  /** Replies in a serializer Trellis does not decode. */
  undecodable: number;
  elapsedMs: number;
}

const WorkerError = z.object({ error: z.string() }).strict();

function toReply(ctx: TrellisContext, hostname: string, command: InspectCommand, value: unknown, now: number): InspectReply {
  const err = WorkerError.safeParse(value);
  if (err.success) return { hostname, command, status: 'error', error: redactorFor(ctx.config).text(err.data.error) };
  remember(ctx, command, hostname, value, now);
  return { hostname, command, status: 'ok', reply: redactInspectReply(command, value, redactorFor(ctx.config), FULL_VIEW) };
}

function noReplyNote(worker: WorkerView | null, last: RememberedReply | undefined, now: number): string {
  if (worker?.status === 'online') return 'busy, no reply (a solo-pool worker cannot answer while it runs a task)';
  if (worker?.status === 'lost')
    return `busy or gone, no reply (no heartbeat for ${Math.round(worker.heartbeatAge ?? 0)} s: a solo-pool worker running a task sends none, nor does a stopped one)`;
  if (worker?.status === 'offline') return 'no reply (the worker is offline)';
  if (last) return `busy or gone, no reply (it last answered ${Math.round(now - last.at)} s ago)`;
  return 'no reply (Trellis has no record of this worker: it sends no events, or the name is wrong)';
}

function noReply(ctx: TrellisContext, hostname: string, command: InspectCommand, worker: WorkerView | null, remembered: RememberedReply | undefined, now: number): InspectReply {
  if (worker?.status === 'offline') forget(ctx, command, hostname);
  const last = worker?.status === 'offline' ? undefined : remembered;
  return {
    hostname,
    command,
    status: 'no-reply',
    note: noReplyNote(worker, last, now),
    workerStatus: worker?.status ?? 'unknown',
    ...(last ? { lastReply: last } : {}),
  };
}

/** What the store knows of one worker (null: no record). */
export async function knownWorker(ctx: TrellisContext, hostname: string): Promise<WorkerView | null> {
  const raw = await ctx.store.hget(ctx.keys.workers, hostname);
  const doc = raw ? parseWorkerDoc(raw) : null;
  return doc ? toWorkerView(doc, Date.now() / 1000) : null;
}

/**
 * A worker Trellis has a record of, or that answered recently (null: known only by that answer);
 * 404 otherwise, so a made-up name costs the broker one HGET, not a broadcast every worker reads.
 */
export async function requireKnownWorker(ctx: TrellisContext, hostname: string): Promise<WorkerView | null> {
  const worker = await knownWorker(ctx, hostname);
  await hydrate(ctx, 'active_queues', Date.now() / 1000);
  if (!worker && !recall(ctx, 'active_queues', hostname, Date.now() / 1000)) throw notFound(`worker ${hostname}`);
  return worker;
}

function parseArgs(command: InspectCommand, args: Record<string, unknown> | undefined): Record<string, unknown> {
  const parsed = INSPECT_ARGUMENTS[command].safeParse(args ?? {});
  if (!parsed.success) throw new AppError('INVALID_INPUT', `${command}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/**
 * Asks one worker; waits at most `config.inspectTimeoutSeconds`. A worker Trellis knows nothing of
 * (no record in the store, no remembered reply) is answered 404 without publishing anything: a
 * request for a made-up name costs the broker one HGET, not a broadcast every worker reads.
 */
export async function inspectWorker(
  ctx: TrellisContext,
  hostname: string,
  command: InspectCommand,
  args?: Record<string, unknown>,
  view: RedactView = FULL_VIEW,
): Promise<InspectReply & { elapsedMs: number }> {
  const parsed = parseArgs(command, args);
  const worker = await requireKnownWorker(ctx, hostname);
  const res = await pidboxCall(ctx, { method: command, arguments: parsed, destination: [hostname], timeoutSeconds: ctx.config.inspectTimeoutSeconds });
  const now = Date.now() / 1000;
  const value = res.replies.get(hostname);
  const reply = res.replies.has(hostname)
    ? toReply(ctx, hostname, command, value, now)
    : res.undecodable > 0
      ? { hostname, command, status: 'error' as const, error: 'reply in a serializer Trellis does not decode (pickle?)' }
      : noReply(ctx, hostname, command, worker, recall(ctx, command, hostname, now), now);
  return { ...reply, ...(view.hideArgs && reply.reply !== undefined ? { reply: hidePayload(reply.reply) } : {}), elapsedMs: res.elapsedMs };
}

/** A worker that did not answer a broadcast is listed (as no-reply) unless it is offline or long gone. */
function expectedToAnswer(w: WorkerView | undefined, remembered: boolean): boolean {
  if (w?.status === 'offline') return false;
  return remembered || w?.status === 'online' || (w?.status === 'lost' && (w.heartbeatAge ?? Infinity) <= BUSY_WINDOW_S);
}

/**
 * Broadcasts to every worker. Stops early once as many replies arrived as the request reached
 * subscribers, or 200 ms after every worker known to be online answered (a busy solo worker is
 * still subscribed but cannot answer); otherwise waits the inspect timeout. Workers not known to be offline that did not
 * answer are listed as `no-reply` (see InspectAllResult.workers).
 */
export async function inspectAll(ctx: TrellisContext, command: InspectCommand, args?: Record<string, unknown>): Promise<InspectAllResult> {
  const parsed = parseArgs(command, args);
  const [known] = await Promise.all([listWorkers(ctx).catch(() => []), hydrate(ctx, command, Date.now() / 1000)]);
  const online = new Set(known.filter((w) => w.status === 'online').map((w) => w.hostname));
  const res = await pidboxCall(ctx, { method: command, arguments: parsed, destination: null, timeoutSeconds: ctx.config.inspectTimeoutSeconds, expected: online });
  const now = Date.now() / 1000;
  const workers: Record<string, InspectReply> = {};
  for (const [host, value] of res.replies) workers[host] = toReply(ctx, host, command, value, now);
  const byHost = new Map(known.map((w) => [w.hostname, w]));
  const remembered = recalled(ctx, command, now);
  const forgotten: string[] = [];
  for (const host of new Set([...byHost.keys(), ...remembered.keys()])) {
    const w = byHost.get(host);
    if (!workers[host] && expectedToAnswer(w, remembered.has(host))) workers[host] = noReply(ctx, host, command, w ?? null, remembered.get(host), now);
    else if (w?.status === 'offline') {
      forget(ctx, command, host);
      if (remembered.has(host)) forgotten.push(host);
    }
  }
  await persist(ctx, command, [...res.replies.keys()], forgotten);
  return { command, workers, undecodable: res.undecodable, elapsedMs: res.elapsedMs };
}
