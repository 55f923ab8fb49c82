import type { RetryPreview, RetryResult } from '@/lib/schemas/responses/retry';
import type { ErrorCode } from '@/lib/errors';
import { csrfHeader } from '@/lib/hooks/csrf';

// POST /api/v1/tasks/retry from the browser, keeping the error code: 409 CONFLICT means "the
// arguments cannot be known" and the UI offers an argument editor. For the task page's button and
// the task list's bulk actions (one id, a list, a filter or a preview id).

export type RetryBody =
  | { ids: string[]; args?: unknown[]; kwargs?: Record<string, unknown>; queue?: string; priority?: number; dryRun?: boolean }
  | { filter: Record<string, string | string[]>; dryRun?: boolean }
  | { previewId: string };

export type RetryAnswer<T> = { ok: true; data: T } | { ok: false; code: ErrorCode | 'NETWORK'; message: string };

export async function requestRetry(body: RetryBody & { dryRun: true }): Promise<RetryAnswer<RetryPreview>>;
export async function requestRetry(body: RetryBody): Promise<RetryAnswer<RetryResult>>;
export async function requestRetry(body: RetryBody): Promise<RetryAnswer<RetryPreview | RetryResult>> {
  try {
    const res = await fetch('/api/v1/tasks/retry', { method: 'POST', headers: { ...csrfHeader(), 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json: unknown = await res.json().catch(() => null);
    if (res.ok) return { ok: true, data: json as RetryPreview | RetryResult };
    const error = (json as { error?: { code?: ErrorCode; message?: string } } | null)?.error;
    return { ok: false, code: error?.code ?? 'INTERNAL', message: error?.message ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ok: false, code: 'NETWORK', message: err instanceof Error ? err.message : 'request failed' };
  }
}

/** Parses the editor's JSON: an array and an object, or the reason they are not. */
export function parseEnteredArguments(argsText: string, kwargsText: string): { ok: true; args: unknown[]; kwargs: Record<string, unknown> } | { ok: false; message: string } {
  let args: unknown;
  let kwargs: unknown;
  try {
    args = JSON.parse(argsText.trim() || '[]');
  } catch {
    return { ok: false, message: 'args is not valid JSON' };
  }
  try {
    kwargs = JSON.parse(kwargsText.trim() || '{}');
  } catch {
    return { ok: false, message: 'kwargs is not valid JSON' };
  }
  if (!Array.isArray(args)) return { ok: false, message: 'args must be a JSON array, e.g. [1, "a"]' };
  if (!kwargs || typeof kwargs !== 'object' || Array.isArray(kwargs)) return { ok: false, message: 'kwargs must be a JSON object, e.g. {"key": 1}' };
  return { ok: true, args, kwargs: kwargs as Record<string, unknown> };
}
