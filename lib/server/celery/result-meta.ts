import { z } from 'zod';
import type { BackendMeta } from '@/lib/schemas/api';
import { untagJson } from './envelope';

// The result backend's `celery-task-meta-<id>` value (protocol doc §7.2). Pure decoding.

const MetaSchema = z.looseObject({
  status: z.string(),
  result: z.unknown().optional(),
  traceback: z.string().nullish(),
  children: z.array(z.unknown()).nullish(),
  date_done: z.string().nullish(),
  task_id: z.string().optional(),
});

const ExceptionSchema = z.object({ exc_type: z.string(), exc_message: z.unknown(), exc_module: z.string().optional() });

/** Decodes a meta value; pickle (or any non-JSON) is reported as binary, never evaluated. */
export function decodeResultMeta(raw: Buffer | string | null): BackendMeta | null {
  if (raw === null) return null;
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  if (buf[0] === 0x80) {
    return { status: 'UNKNOWN', result: 'binary (pickle)', traceback: null, children: [], dateDone: null, extra: { serializer: 'pickle' } };
  }
  let json: unknown;
  try {
    json = JSON.parse(buf.toString('utf8'));
  } catch {
    return { status: 'UNKNOWN', result: 'undecodable', traceback: null, children: [], dateDone: null, extra: {} };
  }
  const m = MetaSchema.safeParse(json);
  if (!m.success) return null;
  const { status, result, traceback, children, date_done, ...extra } = m.data;
  return {
    status,
    result: untagJson(result ?? null),
    traceback: traceback ?? null,
    children: (children ?? []).map(childId).filter((c): c is string => c !== null),
    dateDone: date_done ?? null,
    extra: untagJson(extra) as Record<string, unknown>,
  };
}

/** A child is a serialized AsyncResult `[[id, parent], null]` (or a GroupResult tuple): its id is entry[0][0]. */
function childId(entry: unknown): string | null {
  if (Array.isArray(entry) && Array.isArray(entry[0]) && typeof entry[0][0] === 'string') return entry[0][0];
  return null;
}

/** `date_done` is naive UTC up to Celery 5.4 and timezone-aware from 5.5: epoch seconds either way. */
export function parseDateDone(text: string | null): number | null {
  if (!text) return null;
  const aware = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(aware);
  return Number.isFinite(ms) ? ms / 1000 : null;
}

/** Shows a serialized exception the way Celery's events do: `Type('message', …)`. */
export function exceptionText(result: unknown): string | null {
  const e = ExceptionSchema.safeParse(result);
  if (!e.success) return null;
  const args = Array.isArray(e.data.exc_message) ? e.data.exc_message : [e.data.exc_message];
  return `${e.data.exc_type}(${args.map((a) => (typeof a === 'string' ? `'${a}'` : JSON.stringify(a))).join(', ')})`;
}
