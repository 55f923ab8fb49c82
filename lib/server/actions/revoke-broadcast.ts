import 'server-only';
import { MAX_REVOKE_IDS_PER_MESSAGE } from '../celery/control';
import type { TrellisContext } from '../context';
import { sendControl, type ControlStatus } from '../workers/send-control';

// A revoke broadcast in messages of at most MAX_REVOKE_IDS_PER_MESSAGE ids, with each worker's
// replies folded into one line per worker: a reply to 10,000 ids names all of them (§6.5), so only
// its beginning is kept.

export interface RevokeOptions {
  terminate: boolean;
  /** Wire form (SIGTERM, SIGKILL…); only with terminate. */
  signal?: string | undefined;
}

export interface WorkerRevokeReply {
  hostname: string;
  /** ok: answered every message; partial: some; no-reply: none; error: a worker error. */
  status: ControlStatus | 'partial';
  /** Messages answered of those sent. */
  answered: number;
  messages: number;
  /** The first reply's text, shortened. */
  reply: string | null;
  error?: string;
}

const REPLY_TEXT_MAX = 300;

export async function broadcastRevoke(
  ctx: TrellisContext,
  ids: readonly string[],
  options: RevokeOptions,
  destination: string[] | null,
): Promise<WorkerRevokeReply[]> {
  const byWorker = new Map<string, WorkerRevokeReply>();
  let messages = 0;
  for (let i = 0; i < ids.length; i += MAX_REVOKE_IDS_PER_MESSAGE) {
    const chunk = ids.slice(i, i + MAX_REVOKE_IDS_PER_MESSAGE);
    const args = { task_id: chunk, ...(options.terminate ? { terminate: true, ...(options.signal ? { signal: options.signal } : {}) } : {}) };
    const outcome = await sendControl(ctx, 'revoke', args, destination);
    messages++;
    for (const r of outcome.replies) {
      const w = byWorker.get(r.hostname) ?? { hostname: r.hostname, status: 'no-reply', answered: 0, messages: 0, reply: null };
      if (r.status === 'ok') {
        w.answered++;
        w.reply ??= shorten(typeof r.reply === 'string' ? r.reply : JSON.stringify(r.reply ?? 'ok'));
      } else if (r.status === 'error') {
        w.error = r.error;
      }
      byWorker.set(r.hostname, w);
    }
  }
  return [...byWorker.values()]
    .map((w) => ({ ...w, messages, status: w.error ? ('error' as const) : w.answered === messages ? ('ok' as const) : w.answered === 0 ? ('no-reply' as const) : ('partial' as const) }))
    .sort((a, b) => a.hostname.localeCompare(b.hostname));
}

function shorten(text: string): string {
  return text.length > REPLY_TEXT_MAX ? `${text.slice(0, REPLY_TEXT_MAX)}… (${text.length} characters)` : text;
}
