import 'server-only';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import { INSPECT_ARGUMENTS, redactSecrets, type InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { listWorkers } from '../workers/list-workers';
import { pidboxCall } from './pidbox-call';

// Worker inspection (protocol doc §6.5): one worker or all of them. A worker that does not answer
// within the timeout is reported as `no-reply` (a busy solo-pool worker cannot answer, §6.4), not
// as an error. `conf` and `stats` are redacted (§8.15).

export type InspectStatus = 'ok' | 'no-reply' | 'error';

export interface InspectReply {
  hostname: string;
  command: InspectCommand;
  status: InspectStatus;
  /** The worker's reply (redacted for conf/stats); absent unless status is ok. */
  reply?: unknown;
  /** The worker's own error text (`{"error": …}` replies). */
  error?: string;
  /** Why no reply, in words. */
  note?: string;
}

export interface InspectAllResult {
  command: InspectCommand;
  /** hostname → reply, for every worker that answered and every known-online worker that did not. */
  workers: Record<string, InspectReply>;
  /** Replies in a serializer Trellis does not decode. */
  undecodable: number;
  elapsedMs: number;
}

const REDACTED: ReadonlySet<InspectCommand> = new Set(['conf', 'stats']);
const WorkerError = z.object({ error: z.string() }).strict();

function toReply(hostname: string, command: InspectCommand, value: unknown): InspectReply {
  const err = WorkerError.safeParse(value);
  if (err.success) return { hostname, command, status: 'error', error: err.data.error };
  return { hostname, command, status: 'ok', reply: REDACTED.has(command) ? redactSecrets(value) : value };
}

const noReply = (hostname: string, command: InspectCommand): InspectReply => ({
  hostname,
  command,
  status: 'no-reply',
  note: 'busy, no reply (a solo-pool worker running a task, or the worker is gone)',
});

function parseArgs(command: InspectCommand, args: Record<string, unknown> | undefined): Record<string, unknown> {
  const parsed = INSPECT_ARGUMENTS[command].safeParse(args ?? {});
  if (!parsed.success) throw new AppError('INVALID_INPUT', `${command}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  return parsed.data;
}

/** Asks one worker; waits at most `config.inspectTimeoutSeconds`. */
export async function inspectWorker(
  ctx: TrellisContext,
  hostname: string,
  command: InspectCommand,
  args?: Record<string, unknown>,
): Promise<InspectReply & { elapsedMs: number }> {
  const res = await pidboxCall(ctx, {
    method: command,
    arguments: parseArgs(command, args),
    destination: [hostname],
    timeoutSeconds: ctx.config.inspectTimeoutSeconds,
  });
  const value = res.replies.get(hostname);
  const reply = res.replies.has(hostname)
    ? toReply(hostname, command, value)
    : res.undecodable > 0
      ? { hostname, command, status: 'error' as const, error: 'reply in a serializer Trellis does not decode (pickle?)' }
      : noReply(hostname, command);
  return { ...reply, elapsedMs: res.elapsedMs };
}

/**
 * Broadcasts to every worker. Stops early once as many replies arrived as the request reached
 * subscribers; otherwise waits the inspect timeout. Workers the store knows as online that did not
 * answer are listed as `no-reply`.
 */
export async function inspectAll(ctx: TrellisContext, command: InspectCommand, args?: Record<string, unknown>): Promise<InspectAllResult> {
  const [res, known] = await Promise.all([
    pidboxCall(ctx, { method: command, arguments: parseArgs(command, args), destination: null, timeoutSeconds: ctx.config.inspectTimeoutSeconds }),
    listWorkers(ctx).catch(() => []),
  ]);
  const workers: Record<string, InspectReply> = {};
  for (const [host, value] of res.replies) workers[host] = toReply(host, command, value);
  for (const w of known) if (w.status === 'online' && !workers[w.hostname]) workers[w.hostname] = noReply(w.hostname, command);
  return { command, workers, undecodable: res.undecodable, elapsedMs: res.elapsedMs };
}
