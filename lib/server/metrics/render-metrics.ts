import 'server-only';
import type { TrellisContext } from '../context';
import type { MetricFamily } from '../config';
import { registerCeleryFamilies } from './celery-families';
import { registerFlowerFamilies } from './flower-families';
import { Exposition } from './exposition';
import { readMetricsState, type MetricsState } from './read-state';
import { registerTrellisFamilies } from './trellis-families';

// GET /metrics: the exposition of the family sets TRELLIS_METRICS enables, built per scrape from
// one read of the store (read-state.ts). Nothing is kept in process memory,
// so every replica serves the same series and counters survive collector handovers (ADR 0013).

const REGISTER: Record<MetricFamily, (out: Exposition, state: MetricsState) => void> = {
  celery: registerCeleryFamilies,
  flower: registerFlowerFamilies,
  trellis: registerTrellisFamilies,
};

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export async function renderMetrics(ctx: TrellisContext): Promise<RenderedMetrics> {
  const families = ctx.config.metrics.families;
  return renderState(families, families.length > 0 ? await readMetricsState(ctx) : null);
}

/** The exposition of the enabled family sets for a state already read (no store access). */
export function renderState(families: readonly MetricFamily[], state: MetricsState | null): RenderedMetrics {
  const out = new Exposition();
  if (state) for (const family of families) REGISTER[family](out, state);
  return { contentType: out.contentType, body: out.text() };
}
