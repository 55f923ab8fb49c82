// The fields of the cumulative totals hash (keys.totals): one codec shared by the collector, which
// increments them, and /metrics, which reads them. A field is its kind and its label values joined
// by U+001F (never in a task name, hostname or queue name in practice; replaced if it is).
// Sums are kept in whole microseconds so HINCRBY keeps them exact and monotonic.

export const SEP = '\u001f';

export type TotalsField =
  /** A task event count: celery-exporter's labels (`exception` only for task-failed, else ''). */
  | { kind: 'event'; type: string; name: string; hostname: string; queue: string; exception: string }
  /** Runtime (succeeded) and queue wait (started − max(sent, eta)) histograms: non-cumulative bucket counts, and sums. */
  | { kind: 'runtime' | 'wait'; name: string; hostname: string; queue: string; bucket: number }
  | { kind: 'runtimeSum' | 'waitSum'; name: string; hostname: string; queue: string }
  /** Flower's prefetch bookkeeping per worker and task: received without ETA (in), started after it (out). */
  | { kind: 'prefetchIn' | 'prefetchOut'; hostname: string; name: string }
  /** Flower's prefetch time gauge: the last started − received (HSET, not incremented; 0 once done). */
  | { kind: 'prefetchTime'; hostname: string; name: string }
  /** A failure after retries (retries exhausted). */
  | { kind: 'exhausted'; name: string }
  /** A label value admitted under the cardinality cap (label-cap.ts). */
  | { kind: 'admitted'; dimension: string; value: string };

const TAGS = {
  event: 'c',
  runtime: 'rt',
  wait: 'qw',
  runtimeSum: 'rts',
  waitSum: 'qws',
  prefetchIn: 'pf+',
  prefetchOut: 'pf-',
  prefetchTime: 'pft',
  exhausted: 'x',
  admitted: 'a',
} as const satisfies Record<TotalsField['kind'], string>;

const KIND_OF = new Map<string, TotalsField['kind']>(Object.entries(TAGS).map(([k, t]) => [t, k as TotalsField['kind']]));

const clean = (v: string): string => (v.includes(SEP) ? v.replaceAll(SEP, '_') : v);

// Builders of the encoded parts, shared by encodeField and the collector's hot path (several fields
// per event), which encodes a task's label set once and reuses it.

/** `name␟hostname␟queue`: the label set of a task's event, histogram and sum fields. */
export const seriesPart = (name: string, hostname: string, queue: string): string => `${clean(name)}${SEP}${clean(hostname)}${SEP}${clean(queue)}`;
/** `hostname␟name`: the label set of Flower's per-worker prefetch fields. */
export const workerTaskPart = (hostname: string, name: string): string => `${clean(hostname)}${SEP}${clean(name)}`;

export const eventField = (type: string, series: string, exception: string): string => `${TAGS.event}${SEP}${clean(type)}${SEP}${series}${SEP}${clean(exception)}`;
export const bucketField = (kind: 'runtime' | 'wait', series: string, bucket: number): string => `${TAGS[kind]}${SEP}${series}${SEP}${bucket}`;
export const sumField = (kind: 'runtimeSum' | 'waitSum', series: string): string => `${TAGS[kind]}${SEP}${series}`;
export const prefetchField = (kind: 'prefetchIn' | 'prefetchOut' | 'prefetchTime', workerTask: string): string => `${TAGS[kind]}${SEP}${workerTask}`;

export function encodeField(f: TotalsField): string {
  switch (f.kind) {
    case 'event':
      return eventField(f.type, seriesPart(f.name, f.hostname, f.queue), f.exception);
    case 'runtime':
    case 'wait':
      return bucketField(f.kind, seriesPart(f.name, f.hostname, f.queue), f.bucket);
    case 'runtimeSum':
    case 'waitSum':
      return sumField(f.kind, seriesPart(f.name, f.hostname, f.queue));
    case 'prefetchIn':
    case 'prefetchOut':
    case 'prefetchTime':
      return prefetchField(f.kind, workerTaskPart(f.hostname, f.name));
    case 'exhausted':
      return `${TAGS.exhausted}${SEP}${clean(f.name)}`;
    case 'admitted':
      return `${TAGS.admitted}${SEP}${clean(f.dimension)}${SEP}${clean(f.value)}`;
  }
}

/** The field, or null for one this version does not know (written by a newer one). */
export function decodeField(raw: string): TotalsField | null {
  const [tag = '', ...p] = raw.split(SEP);
  const kind = KIND_OF.get(tag);
  const at = (i: number): string => p[i] ?? '';
  switch (kind) {
    case 'event':
      return p.length === 5 ? { kind, type: at(0), name: at(1), hostname: at(2), queue: at(3), exception: at(4) } : null;
    case 'runtime':
    case 'wait':
      return p.length === 4 ? { kind, name: at(0), hostname: at(1), queue: at(2), bucket: Number(at(3)) } : null;
    case 'runtimeSum':
    case 'waitSum':
      return p.length === 3 ? { kind, name: at(0), hostname: at(1), queue: at(2) } : null;
    case 'prefetchIn':
    case 'prefetchOut':
    case 'prefetchTime':
      return p.length === 2 ? { kind, hostname: at(0), name: at(1) } : null;
    case 'exhausted':
      return p.length === 1 ? { kind, name: at(0) } : null;
    case 'admitted':
      return p.length === 2 ? { kind, dimension: at(0), value: at(1) } : null;
    default:
      return null;
  }
}

export const MICROS = 1_000_000;

/** Every admission field starts so (HSCAN MATCH loads the admitted values without the counters). */
export const ADMITTED_PREFIX = `${TAGS.admitted}${SEP}`;
