import 'server-only';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { TrellisConfig } from '../config';
import { defaultRules } from './rules/defaults';
import { DurationField } from './rules/duration-field';
import { RouteSchema, RuleOverrideSchema, type Route, type Rule } from './rules/schema';
import { ChannelSchema, type Channel } from './channels/schema';

// The alerts file (TRELLIS_ALERTS_FILE, YAML or JSON): rule overrides and additions, notification
// channels, routes and the repeat interval. Read and validated once at start; every bad field is
// reported with its path, and Trellis does not start with a file it cannot honour.

const FileSchema = z
  .object({
    rules: z.array(RuleOverrideSchema).default([]),
    channels: z.array(ChannelSchema).default([]),
    routes: z.array(RouteSchema).default([]),
    /** A firing incident is notified again after this long (default 4 h). */
    repeatInterval: DurationField.default(4 * 3600),
  })
  .strict();

export interface AlertsConfig {
  rules: Rule[];
  channels: Channel[];
  routes: Route[];
  repeatIntervalSeconds: number;
  intervalSeconds: number;
  publicUrl: string;
  /** The file read, or null (defaults only). */
  source: string | null;
}

export class AlertsFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`Invalid alerts file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'AlertsFileError';
  }
}

/** Parses and validates the text of an alerts file (YAML, of which JSON is a subset). */
export function parseAlertsFile(text: string, file: string, cfg: Pick<TrellisConfig, 'alerts'>): AlertsConfig {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new AlertsFileError(file, [`not valid YAML/JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`]);
  }
  const parsed = FileSchema.safeParse(raw);
  if (!parsed.success) throw new AlertsFileError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`));
  const f = parsed.data;
  const problems: string[] = [];
  const rules = defaultRules();
  f.rules.forEach((override, i) => {
    const existing = rules.find((r) => r.id === override.id);
    if (existing) {
      if (override.type && override.type !== existing.type) problems.push(`rules.${i}.type: "${override.id}" is a default rule of type ${existing.type}; give a new id for another type`);
      Object.assign(existing, definedOnly(override), { type: existing.type });
    } else if (!override.type) {
      problems.push(`rules.${i}.type: required for a new rule ("${override.id}" is not a default rule)`);
    } else {
      const base = defaultRules().find((r) => r.type === override.type);
      if (base) rules.push({ ...base, channels: null, scope: {}, enabled: true, description: '', ...definedOnly(override), id: override.id, type: override.type });
    }
  });
  const channelIds = new Set<string>();
  f.channels.forEach((c, i) => {
    if (channelIds.has(c.id)) problems.push(`channels.${i}.id: "${c.id}" is used twice`);
    channelIds.add(c.id);
  });
  const checkRefs = (ids: readonly string[] | null | undefined, path: string) =>
    ids?.forEach((id, j) => channelIds.has(id) || problems.push(`${path}.${j}: no channel has id "${id}"`));
  f.rules.forEach((r, i) => checkRefs(r.channels, `rules.${i}.channels`));
  f.routes.forEach((r, i) => checkRefs(r.channels, `routes.${i}.channels`));
  if (problems.length > 0) throw new AlertsFileError(file, problems);
  return { rules, channels: f.channels, routes: f.routes, repeatIntervalSeconds: f.repeatInterval, intervalSeconds: cfg.alerts.intervalSeconds, publicUrl: cfg.alerts.publicUrl, source: file };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const cache = new WeakMap<TrellisConfig, AlertsConfig>();

/** The process's alerts configuration (the file read once per configuration). Throws AlertsFileError. */
export function alertsConfig(cfg: TrellisConfig): AlertsConfig {
  const hit = cache.get(cfg);
  if (hit) return hit;
  let loaded: AlertsConfig;
  if (cfg.alerts.file === null) {
    loaded = { rules: defaultRules(), channels: [], routes: [], repeatIntervalSeconds: 4 * 3600, intervalSeconds: cfg.alerts.intervalSeconds, publicUrl: cfg.alerts.publicUrl, source: null };
  } else {
    let text: string;
    try {
      text = readFileSync(cfg.alerts.file, 'utf8');
    } catch (err) {
      throw new AlertsFileError(cfg.alerts.file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
    }
    loaded = parseAlertsFile(text, cfg.alerts.file, cfg);
  }
  cache.set(cfg, loaded);
  return loaded;
}
