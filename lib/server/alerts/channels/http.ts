import 'server-only';
import type { Attempt } from './attempt';

// One JSON POST over global fetch, classified for the retry loop: 2xx ok; 429 and 5xx retried
// (honouring Retry-After); any other status is the receiver refusing this message: not retried.

/** Enough of an error body to explain it; bounded memory whatever the receiver sends. */
const ERROR_BODY_CHARS = 4096;

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The first `max` bytes of a response body; the rest is not read (a receiver's error page may be huge). */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < max) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, max));
}

export async function postJson(url: string, body: string, signal: AbortSignal, headers: Record<string, string> = {}): Promise<Attempt> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    signal,
    redirect: 'error',
    headers: { 'content-type': 'application/json', 'user-agent': 'Trellis-Alerts/1', ...headers },
  });
  const text = await readBounded(res, ERROR_BODY_CHARS);
  if (res.ok) return { ok: true, status: res.status };
  const retry = res.status === 429 || res.status >= 500;
  return {
    ok: false,
    retry,
    status: res.status,
    retryAfterMs: retry ? parseRetryAfter(res.headers.get('retry-after')) : undefined,
    error: `HTTP ${res.status}${text ? `: ${text}` : ''}`,
  };
}

/** An error's message with its cause (fetch says only "fetch failed"; the cause says ECONNREFUSED). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message}` : '';
  return `${err.message}${cause}`;
}
