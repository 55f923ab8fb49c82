// Test helpers for alerts: an alerts file in a temp dir, and waiting for an incident through the
// same domain function the API serves.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { listAlerts, type IncidentView } from '@/lib/server/alerts/alerts-api';
import type { TrellisContext } from '@/lib/server/context';
import { waitFor } from './trellis';

export function writeAlertsFile(content: Record<string, unknown>): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'trellis-alerts-')), 'alerts.yaml');
  writeFileSync(file, stringify(content));
  return file;
}

type Want = (i: IncidentView) => boolean;

/** Waits until an incident of `ruleId` matching `want` is active with one of `statuses`. */
export function waitForIncident(ctx: TrellisContext, ruleId: string, statuses: IncidentView['status'][], want: Want = () => true, timeoutMs = 30_000): Promise<IncidentView> {
  return waitFor(async () => {
    const list = await listAlerts(ctx, { rule: ruleId, limit: 100 });
    return [...list.active, ...list.history].find((i) => statuses.includes(i.status) && want(i)) ?? null;
  }, `incident of ${ruleId} (${statuses.join('/')})`, timeoutMs);
}

/** Waits until no incident of `ruleId` matching `want` is active any more, and returns its resolved record. */
export function waitForResolved(ctx: TrellisContext, ruleId: string, want: Want = () => true, timeoutMs = 30_000): Promise<IncidentView> {
  return waitFor(async () => {
    const list = await listAlerts(ctx, { rule: ruleId, limit: 100 });
    if (list.active.some(want)) return null;
    return list.history.find(want) ?? null;
  }, `incident of ${ruleId} to resolve`, timeoutMs);
}
