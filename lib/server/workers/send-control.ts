import 'server-only';
import { parseCommandArguments, type ControlCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { pidboxCall } from '../inspect/pidbox-call';
import { redactorFor } from '../redaction';
import { listWorkers } from './list-workers';

// Sends one control command (protocol doc §6.5) to some workers or all of them and reports each
// worker's reply, or its absence: every worker addressed (or, for a broadcast, every worker known to
// be online) appears in the result. Never coalesced with another request: each is an action.

export type ControlStatus = 'ok' | 'error' | 'no-reply';

export interface WorkerControlReply {
  hostname: string;
  status: ControlStatus;
  /** The worker's `ok` text, or its whole reply when it is not `{ok}`/`{error}`. */
  reply?: unknown;
  error?: string;
}

export interface ControlOutcome {
  command: ControlCommand;
  /** null: broadcast to every worker. */
  destination: string[] | null;
  replies: WorkerControlReply[];
  /** Subscribers the request reached. */
  reached: number;
  elapsedMs: number;
}

/** `shutdown` is never answered (§6.5): wait only briefly for the `worker-offline` to be sent. */
const NO_REPLY_COMMANDS = new Set<ControlCommand>(['shutdown']);

export async function sendControl(
  ctx: TrellisContext,
  command: ControlCommand,
  args: Record<string, unknown>,
  destination: string[] | null,
  opts: { timeoutSeconds?: number } = {},
): Promise<ControlOutcome> {
  const parsed = parseCommandArguments(command, args);
  const online = new Set((await listWorkers(ctx).catch(() => [])).filter((w) => w.status === 'online').map((w) => w.hostname));
  const timeoutSeconds = NO_REPLY_COMMANDS.has(command) ? 0.5 : (opts.timeoutSeconds ?? ctx.config.inspectTimeoutSeconds);
  const res = await pidboxCall(ctx, { method: command, arguments: parsed, destination, timeoutSeconds, expected: online, coalesce: false });
  const redactor = redactorFor(ctx.config);
  const replies: WorkerControlReply[] = [];
  for (const [hostname, value] of res.replies) replies.push(toReply(hostname, value, (s) => redactor.text(s)));
  for (const hostname of destination ?? [...online]) {
    if (!res.replies.has(hostname)) replies.push({ hostname, status: 'no-reply' });
  }
  replies.sort((a, b) => a.hostname.localeCompare(b.hostname));
  return { command, destination, replies, reached: res.reached, elapsedMs: res.elapsedMs };
}

function toReply(hostname: string, value: unknown, redact: (s: string) => string): WorkerControlReply {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    if (typeof v.error === 'string') return { hostname, status: 'error', error: redact(v.error) };
    if (typeof v.ok === 'string') return { hostname, status: 'ok', reply: redact(v.ok) };
  }
  return { hostname, status: 'ok', reply: value };
}

/** The replies as the audit log keeps them: hostname → reply text, error or "no reply". */
export function repliesForAudit(outcome: Pick<ControlOutcome, 'replies'>): Record<string, unknown> {
  return Object.fromEntries(outcome.replies.map((r) => [r.hostname, r.status === 'ok' ? (r.reply ?? 'ok') : r.status === 'error' ? { error: r.error } : 'no reply']));
}
