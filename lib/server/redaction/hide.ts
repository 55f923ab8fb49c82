// TRELLIS_HIDE_ARGS=viewer: what a principal who may not see task data gets instead. Arguments,
// results and tracebacks are replaced whole; an exception keeps its class ("ValueError"), which
// names the failure without its message.

export const HIDDEN = '[hidden]';

/** What the caller may see: `hideArgs` is `principal.role === 'viewer' && config.hideArgs === 'viewer'`. */
export interface RedactView {
  hideArgs: boolean;
}

export const FULL_VIEW: RedactView = { hideArgs: false };

/** Keys of task payload in events, backend metas and inspect replies (Celery's spellings). */
export const PAYLOAD_KEYS: ReadonlySet<string> = new Set(['args', 'kwargs', 'argsrepr', 'kwargsrepr', 'result', 'traceback', 'exception', 'einfo']);

export const hidden = (v: string | null): string | null => (v === null ? null : HIDDEN);

/** "ValueError('boom')" or "ValueError: boom" → "ValueError"; anything else hidden. */
export function exceptionClassOnly(text: string | null): string | null {
  if (text === null) return null;
  return /^\s*([A-Za-z_][\w.]*)\s*(?:\(|:|$)/.exec(text)?.[1] ?? HIDDEN;
}

/** A structured value with every payload key's value hidden (exceptions down to their class), at any depth. */
export function hidePayload(value: unknown, depth = 0): unknown {
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => hidePayload(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const key = k.toLowerCase();
    if (!PAYLOAD_KEYS.has(key) || v === null || v === undefined) out[k] = hidePayload(v, depth + 1);
    else out[k] = key === 'exception' && typeof v === 'string' ? exceptionClassOnly(v) : HIDDEN;
  }
  return out;
}
