import 'server-only';
import { Registry } from 'prom-client';
import type { TrellisContext } from '../context';
import type { MetricFamily } from '../config';
import { registerCeleryFamilies } from './celery-families';
import { registerFlowerFamilies } from './flower-families';
import { readMetricsState, type MetricsState } from './read-state';
import { registerTrellisFamilies } from './trellis-families';

// GET /metrics: a fresh prom-client registry per scrape, filled from one read of the store
// (read-state.ts), with the family sets TRELLIS_METRICS enables. Nothing is kept in process memory,
// so every replica serves the same series and counters survive collector handovers (ADR 0013).

const REGISTER: Record<MetricFamily, (registry: Registry, state: MetricsState) => void> = {
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
export async function renderState(families: readonly MetricFamily[], state: MetricsState | null): Promise<RenderedMetrics> {
  const registry = new Registry();
  if (state) for (const family of families) REGISTER[family](registry, state);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
