import 'server-only';
import type { TrellisContext } from '../context';
import type { BandDepth } from './types';

// Queue depth (protocol doc §4.6): LLEN of every priority band of every queue, one pipeline.

export interface QueueDepth {
  depth: number;
  bands: BandDepth[];
}

export async function readDepths(ctx: TrellisContext, queues: readonly string[]): Promise<Map<string, QueueDepth>> {
  const out = new Map<string, QueueDepth>();
  if (queues.length === 0) return out;
  const pipe = ctx.broker.pipeline();
  const plan = queues.map((q) => ({ q, bands: ctx.celery.queueBandKeys(q) }));
  for (const { bands } of plan) for (const b of bands) pipe.llen(b.key);
  const results = (await pipe.exec()) ?? [];
  let i = 0;
  for (const { q, bands } of plan) {
    const depths = bands.map((b) => {
      const [err, n] = results[i++] ?? [null, 0];
      return { step: b.step, depth: err || typeof n !== 'number' ? 0 : n };
    });
    out.set(q, { depth: depths.reduce((s, b) => s + b.depth, 0), bands: depths });
  }
  return out;
}

/** The band holding the next message to run: the highest-priority (lowest step) non-empty band. */
export function headBand(d: QueueDepth): number | null {
  const b = d.bands.find((x) => x.depth > 0);
  return b ? b.step : null;
}
