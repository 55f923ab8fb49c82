import 'server-only';
import { logger } from '../logger';
import type { AlertsConfig } from './alerts-config';
import { deliver } from './channels/deliver';
import type { AlertNotification } from './notification';
import { channelsFor } from './routing';
import type { Rule } from './rules/schema';

// Sends one notification to every channel its rule routes to, in parallel; each channel retries on
// its own (channels/deliver.ts). The outcome per channel goes into the incident's timeline.

export interface DispatchResult {
  channel: string;
  ok: boolean;
  attempts: number;
  error?: string;
}

export async function dispatch(cfg: AlertsConfig, rule: Rule, n: AlertNotification, signal?: AbortSignal): Promise<DispatchResult[]> {
  const ids = channelsFor(rule, n.severity, cfg.routes);
  const channels = ids.flatMap((id) => cfg.channels.filter((c) => c.id === id));
  return Promise.all(
    channels.map(async (c) => {
      const r = await deliver(c, n, { log: logger, signal });
      return { channel: c.id, ok: r.ok, attempts: r.attempts, ...(r.error ? { error: r.error } : {}) };
    }),
  );
}
