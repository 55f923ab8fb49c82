import 'server-only';
import { z } from 'zod';
import { allowedHosts } from './http/allowed-hosts';
import { parseRedisUrl, type RedisTarget } from './redis/url';
import { parseRedactKeys } from './redaction/key-patterns';
import { parseAllowList, type AllowList } from './auth/oidc-allow';
import { parseRoleRules, type RoleRule } from './auth/oidc-roles';

// Configuration is read and validated once, at start. Every bad value gets its own clear message.

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "604800", "90s", "15m", "12h", "7d" → seconds. */
export function parseDurationSeconds(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$/.exec(text);
  if (!m) return null;
  return Number(m[1]) * (DURATION_UNITS[m[2] || 's'] ?? 1);
}

/** Unescapes `\xHH` sequences so the kombu separator "\x06\x16" can be written in an env file. */
export function unescapeBytes(text: string): string {
  return text.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

const redisUrl = (name: string, sentinelMaster: string | undefined) =>
  z.string().transform((value, ctx) => {
    const parsed = parseRedisUrl(value, sentinelMaster);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: `${name}: ${parsed}` });
      return z.NEVER;
    }
    return parsed;
  });

/** A value parsed by `parse`, which returns a message (prefixed with the variable's name) when it is bad. */
const parsedList = <T extends object>(name: string, parse: (text: string) => T | string) =>
  z.string().transform((value, ctx) => {
    const parsed = parse(value);
    if (typeof parsed === 'string') {
      ctx.addIssue({ code: 'custom', message: `${name}: ${parsed}` });
      return z.NEVER;
    }
    return parsed;
  });

const duration = (name: string) =>
  z.string().transform((value, ctx) => {
    const seconds = parseDurationSeconds(value);
    if (seconds === null || seconds <= 0) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${value}" is not a duration (e.g. 30, 90s, 15m, 12h, 7d)` });
      return z.NEVER;
    }
    return seconds;
  });

const positiveInt = (name: string, max = Number.MAX_SAFE_INTEGER) =>
  z.string().transform((value, ctx) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0 || n > max) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${value}" must be a whole number between 1 and ${max}` });
      return z.NEVER;
    }
    return n;
  });

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** "536870912", "512mb", "1gb", "64 KB" → bytes. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?b?)\s*$/i.exec(text);
  const unit = BYTE_UNITS[(m?.[2] ?? '').toLowerCase()];
  return m && unit ? Math.round(Number(m[1]) * unit) : null;
}

const byteSize = (name: string, min: number) =>
  z.string().transform((value, ctx) => {
    const bytes = parseByteSize(value);
    if (bytes === null || bytes < min) {
      ctx.addIssue({ code: 'custom', message: `${name}: "${value}" must be a size of at least ${min / 1024 ** 2} MB (e.g. 512mb, 2gb)` });
      return z.NEVER;
    }
    return bytes;
  });

export const METRIC_FAMILIES = ['celery', 'flower', 'trellis'] as const;
export type MetricFamily = (typeof METRIC_FAMILIES)[number];

/** "celery,flower,trellis" (any subset) or "none" → the metric family sets /metrics serves. */
const metricFamilies = z.string().transform((value, ctx): MetricFamily[] => {
  const items = value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (items.length === 1 && items[0] === 'none') return [];
  const bad = items.filter((s) => !(METRIC_FAMILIES as readonly string[]).includes(s));
  if (items.length === 0 || bad.length > 0) {
    ctx.addIssue({ code: 'custom', message: `TRELLIS_METRICS: "${value}" must be a comma-separated subset of ${METRIC_FAMILIES.join(',')} or "none"` });
    return z.NEVER;
  }
  return METRIC_FAMILIES.filter((f) => items.includes(f));
});

const prioritySteps = z.string().transform((value, ctx) => {
  const steps = value.split(',').map((s) => Number(s.trim()));
  const valid =
    steps.length > 0 &&
    steps.every((s) => Number.isInteger(s) && s >= 0 && s <= 9) &&
    steps[0] === 0 &&
    steps.every((s, i) => i === 0 || s > (steps[i - 1] ?? -1));
  if (!valid) {
    ctx.addIssue({
      code: 'custom',
      message: `TRELLIS_PRIORITY_STEPS: "${value}" must be ascending integers 0–9 starting at 0 (kombu default "0,3,6,9")`,
    });
    return z.NEVER;
  }
  return steps;
});

const redactKeys = z.string().transform((value, ctx): string[] => {
  const keys = parseRedactKeys(value);
  if (typeof keys !== 'string') return keys;
  ctx.addIssue({ code: 'custom', message: `TRELLIS_REDACT_KEYS: ${keys}` });
  return z.NEVER;
});

/** Requests per minute per client: reads as given, actions a tenth, logins a sixtieth (at least 1). */
const rateLimit = z.string().transform((value, ctx): RateLimits | null => {
  if (value.trim().toLowerCase() === 'off') return null;
  const read = Number(value);
  if (!Number.isInteger(read) || read < 6 || read > 1_000_000) {
    ctx.addIssue({ code: 'custom', message: `TRELLIS_RATE_LIMIT: "${value}" must be requests per minute for reads (6 to 1000000, e.g. 600) or "off"` });
    return z.NEVER;
  }
  return { read, action: Math.max(6, Math.floor(read / 10)), login: Math.max(6, Math.floor(read / 60)) };
});

// The URLs are parsed knowing TRELLIS_SENTINEL_MASTER, which every sentinel:// URL needs.
const envSchema = (sentinelMaster: string | undefined) => z.object({
  CELERY_BROKER_URL: redisUrl('CELERY_BROKER_URL', sentinelMaster).default(parseRedisUrl('redis://localhost:6379/0') as RedisTarget),
  CELERY_RESULT_BACKEND: redisUrl('CELERY_RESULT_BACKEND', sentinelMaster).optional(),
  TRELLIS_STORE_URL: redisUrl('TRELLIS_STORE_URL', sentinelMaster).optional(),
  TRELLIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'TRELLIS_SENTINEL_MASTER: the master name the sentinels monitor (letters, digits and _.:-, e.g. "mymaster")')
    .optional(),
  TRELLIS_SENTINEL_PASSWORD: z.string().optional(),
  TRELLIS_REDIS_TIMEOUT: duration('TRELLIS_REDIS_TIMEOUT').default(5),
  TRELLIS_STORE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,40}$/, 'TRELLIS_STORE_PREFIX: letters, digits and _.:- only (e.g. "trellis:")')
    .default('trellis:'),
  TRELLIS_BROKER_KEYPREFIX: z.string().max(100).default(''),
  TRELLIS_RESULT_KEYPREFIX: z.string().max(100).default(''),
  TRELLIS_CONTROL_EXCHANGE: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'TRELLIS_CONTROL_EXCHANGE: letters, digits and _.:- only (Celery’s control_exchange, default "celery")')
    .default('celery'),
  TRELLIS_PRIORITY_STEPS: prioritySteps.default([0, 3, 6, 9]),
  TRELLIS_PRIORITY_SEP: z
    .string()
    .transform(unescapeBytes)
    .refine((s) => s.length > 0, 'TRELLIS_PRIORITY_SEP: must not be empty')
    .default('\x06\x16'),
  TRELLIS_RETENTION_MAX_TASKS: positiveInt('TRELLIS_RETENTION_MAX_TASKS', 50_000_000).default(100_000),
  TRELLIS_RETENTION_MAX_AGE: duration('TRELLIS_RETENTION_MAX_AGE').default(7 * 86400),
  TRELLIS_COLLECTOR: z
    .enum(['auto', 'off'], { message: 'TRELLIS_COLLECTOR: must be "auto" (collect in this process) or "off"' })
    .default('auto'),
  TRELLIS_INGEST_BACKLOG: byteSize('TRELLIS_INGEST_BACKLOG', 1024 ** 2).default(512 * 1024 ** 2),
  TRELLIS_QUEUES: z
    .string()
    .transform((s) => s.split(',').map((q) => q.trim()).filter(Boolean))
    .default([]),
  TRELLIS_SAMPLE_INTERVAL: duration('TRELLIS_SAMPLE_INTERVAL').default(5),
  TRELLIS_INSPECT_TIMEOUT: duration('TRELLIS_INSPECT_TIMEOUT').default(1.5),
  TRELLIS_AUTH: z
    .enum(['none', 'password', 'oidc'], { message: 'TRELLIS_AUTH: "none" (loopback only), "password" (users file / TRELLIS_ADMIN_PASSWORD) or "oidc" (single sign-on)' })
    .default('none'),
  TRELLIS_OIDC_ISSUER: z
    .string()
    .refine(
      (v) => URL.canParse(v) && (new URL(v).protocol === 'https:' || (new URL(v).protocol === 'http:' && LOOPBACK_HOSTS.has(new URL(v).hostname))),
      "TRELLIS_OIDC_ISSUER: the provider's issuer URL, https:// (http:// only for a provider on loopback, e.g. in tests)",
    )
    .optional(),
  TRELLIS_OIDC_CLIENT_ID: z.string().optional(),
  TRELLIS_OIDC_CLIENT_SECRET: z.string().optional(),
  TRELLIS_OIDC_ALLOW: parsedList('TRELLIS_OIDC_ALLOW', parseAllowList).optional(),
  TRELLIS_OIDC_ROLES: parsedList('TRELLIS_OIDC_ROLES', parseRoleRules).optional(),
  TRELLIS_OIDC_GROUPS_CLAIM: z.string().default('groups'),
  TRELLIS_OIDC_SCOPES: z
    .string()
    .refine((v) => v.split(/\s+/).includes('openid'), 'TRELLIS_OIDC_SCOPES: must include "openid" (e.g. "openid email profile groups")')
    .default('openid email profile'),
  TRELLIS_USERS_FILE: z.string().optional(),
  TRELLIS_ADMIN_PASSWORD: z.string().min(12, 'TRELLIS_ADMIN_PASSWORD: at least 12 characters').optional(),
  TRELLIS_SESSION_SECRET: z.string().min(32, 'TRELLIS_SESSION_SECRET: at least 32 characters (e.g. openssl rand -base64 32)').optional(),
  TRELLIS_SESSION_TTL: duration('TRELLIS_SESSION_TTL').default(12 * 3600),
  TRELLIS_ALERTS_FILE: z.string().optional(),
  TRELLIS_ALERTS_INTERVAL: duration('TRELLIS_ALERTS_INTERVAL').default(5),
  TRELLIS_PUBLIC_URL: z
    .string()
    .refine((v) => /^https?:\/\/[^\s]+$/.test(v), 'TRELLIS_PUBLIC_URL: the address people open Trellis at (e.g. https://trellis.example.com), used in alert links')
    .transform((v) => v.replace(/\/+$/, ''))
    .optional(),
  TRELLIS_VISIBILITY_TIMEOUT: duration('TRELLIS_VISIBILITY_TIMEOUT').default(3600),
  TRELLIS_METRICS: metricFamilies.default([...METRIC_FAMILIES]),
  TRELLIS_METRICS_TASK_NAMES: positiveInt('TRELLIS_METRICS_TASK_NAMES', 10_000).default(100),
  TRELLIS_REDACT_KEYS: redactKeys.default([]),
  TRELLIS_HIDE_ARGS: z.enum(['viewer', 'none'], { message: 'TRELLIS_HIDE_ARGS: must be "viewer" (viewers see no task arguments, results or exception messages) or "none"' }).default('none'),
  TRELLIS_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: positiveInt('PORT', 65535).default(3000),
  TRELLIS_HOST: z
    .string()
    .regex(/^(\[?[0-9a-fA-F:.]+\]?|[A-Za-z0-9.-]{1,253})$/, 'TRELLIS_HOST: the address to listen on (an IP address or host name, e.g. 127.0.0.1 or 0.0.0.0)')
    .default('127.0.0.1'),
  TRELLIS_ALLOWED_HOSTS: z.string().optional(),
  TRELLIS_RATE_LIMIT: rateLimit.default({ read: 600, action: 60, login: 10 }),
  TRELLIS_READ_ONLY: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'TRELLIS_READ_ONLY: "true" (refuse every action on the cluster) or "false"' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(false),
  TRELLIS_ARCHIVE_RETENTION: duration('TRELLIS_ARCHIVE_RETENTION').default(7 * 86400),
  TRELLIS_AUDIT_RETENTION: duration('TRELLIS_AUDIT_RETENTION').default(90 * 86400),
});

export interface RateLimits {
  read: number;
  action: number;
  login: number;
}

export interface TrellisConfig {
  broker: RedisTarget;
  resultBackend: RedisTarget;
  store: RedisTarget;
  storePrefix: string;
  brokerKeyPrefix: string;
  resultKeyPrefix: string;
  /** Celery's `control_exchange`: inspect requests go to `<it>.pidbox`, replies come from `reply.<it>.pidbox`. */
  controlExchange: string;
  prioritySteps: number[];
  prioritySeparator: string;
  retention: { maxTasks: number; maxAgeSeconds: number };
  collector: 'auto' | 'off';
  /** Bytes of event messages read but not yet stored that the collector holds before it drops (and records a gap). */
  ingestBacklogBytes: number;
  queues: string[];
  sampleIntervalSeconds: number;
  inspectTimeoutSeconds: number;
  auth: {
    mode: 'none' | 'password' | 'oidc';
    /** Single sign-on (TRELLIS_AUTH=oidc), or null in the other modes. */
    oidc: OidcConfig | null;
    usersFile: string | null;
    adminPassword: string | null;
    /** Seals session cookies; null: a secret made once and kept in the store (shared by every process). */
    sessionSecret: string | null;
    sessionTtlSeconds: number;
  };
  alerts: {
    /** The alerts file (rules, channels, routes), or null for the default rules and no channels. */
    file: string | null;
    intervalSeconds: number;
    /** Base of the links in notifications. */
    publicUrl: string;
  };
  /** Celery's broker_transport_options visibility_timeout: unacked longer than this is re-delivered. */
  visibilityTimeoutSeconds: number;
  /** /metrics: the family sets served, and how many task names keep their own label (the rest `other`). */
  metrics: { families: MetricFamily[]; taskNames: number };
  /** Key patterns redacted in task data besides the defaults (lib/server/redaction/key-patterns.ts). */
  redactKeys: string[];
  /** `viewer`: viewers see no task arguments, results or exception messages. */
  hideArgs: 'viewer' | 'none';
  logLevel: z.infer<ReturnType<typeof envSchema>>['TRELLIS_LOG_LEVEL'];
  port: number;
  /** The address `next start -H` listens on (scripts/start.sh). */
  listenHost: string;
  /** Host header names accepted (["*"]: any), against DNS rebinding. */
  allowedHosts: string[];
  /** Requests per minute per client (token, user or IP) by kind, or null when TRELLIS_RATE_LIMIT=off. */
  rateLimit: RateLimits | null;
  /** TRELLIS_READ_ONLY: every action on the cluster (tasks, workers, queues) is refused with 403. */
  readOnly: boolean;
  /** How long a purged queue's archive is kept before it is deleted (restore is possible until then). */
  archiveRetentionSeconds: number;
  /** How long audit entries are kept. */
  auditRetentionSeconds: number;
}

export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  allow: AllowList;
  roles: RoleRule[];
  groupsClaim: string;
  scopes: string;
}

/** TRELLIS_OIDC_*: all required in oidc mode (default deny: no allow-list or role rules, nobody gets in). */
function oidcConfig(e: z.output<ReturnType<typeof envSchema>>): OidcConfig | null {
  if (e.TRELLIS_AUTH !== 'oidc') return null;
  const { TRELLIS_OIDC_ISSUER: issuer, TRELLIS_OIDC_CLIENT_ID: clientId, TRELLIS_OIDC_CLIENT_SECRET: clientSecret, TRELLIS_OIDC_ALLOW: allow, TRELLIS_OIDC_ROLES: roles } = e;
  if (issuer && clientId && clientSecret && allow && roles) return { issuer, clientId, clientSecret, allow, roles, groupsClaim: e.TRELLIS_OIDC_GROUPS_CLAIM, scopes: e.TRELLIS_OIDC_SCOPES };
  const required: [string, unknown, string][] = [
    ['TRELLIS_OIDC_ISSUER', issuer, "the provider's issuer URL"],
    ['TRELLIS_OIDC_CLIENT_ID', clientId, 'the client id registered for Trellis'],
    ['TRELLIS_OIDC_CLIENT_SECRET', clientSecret, 'its client secret'],
    ['TRELLIS_OIDC_ALLOW', allow, 'who may sign in, e.g. @example.com,group:ops'],
    ['TRELLIS_OIDC_ROLES', roles, 'the role of each group, e.g. admin=trellis-admins,viewer=*'],
  ];
  throw new ConfigError(required.filter(([, v]) => v === undefined).map(([name, , what]) => `${name}: required with TRELLIS_AUTH=oidc (${what})`));
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid Trellis configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment; empty strings count as unset. Throws ConfigError listing every problem. */
export function loadConfig(env: Record<string, string | undefined> = process.env): TrellisConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = envSchema(cleaned.TRELLIS_SENTINEL_MASTER).safeParse(cleaned);
  if (!result.success) throw new ConfigError(result.error.issues.map((i) => i.message));
  const e = result.data;
  if (e.TRELLIS_AUTH === 'none' && !isLoopback(e.TRELLIS_HOST)) {
    throw new ConfigError([
      `TRELLIS_AUTH=none (no sign-in: everyone is admin) is allowed only on loopback, and TRELLIS_HOST is ${e.TRELLIS_HOST}: set TRELLIS_AUTH=password (with TRELLIS_ADMIN_PASSWORD or a users file), or listen on 127.0.0.1`,
    ]);
  }
  const hosts = allowedHosts({ allowed: e.TRELLIS_ALLOWED_HOSTS, publicUrl: e.TRELLIS_PUBLIC_URL, listenHost: e.TRELLIS_HOST });
  if (typeof hosts === 'string') throw new ConfigError([hosts]);
  const commandTimeoutMs = Math.round(e.TRELLIS_REDIS_TIMEOUT * 1000);
  const sentinelPassword = e.TRELLIS_SENTINEL_PASSWORD;
  const target = (t: RedisTarget): RedisTarget => ({
    ...t,
    commandTimeoutMs,
    ...(t.sentinel && sentinelPassword !== undefined ? { sentinel: { ...t.sentinel, password: sentinelPassword } } : {}),
  });
  return {
    broker: target(e.CELERY_BROKER_URL),
    resultBackend: target(e.CELERY_RESULT_BACKEND ?? e.CELERY_BROKER_URL),
    store: target(e.TRELLIS_STORE_URL ?? e.CELERY_BROKER_URL),
    storePrefix: e.TRELLIS_STORE_PREFIX,
    brokerKeyPrefix: e.TRELLIS_BROKER_KEYPREFIX,
    resultKeyPrefix: e.TRELLIS_RESULT_KEYPREFIX,
    controlExchange: e.TRELLIS_CONTROL_EXCHANGE,
    prioritySteps: e.TRELLIS_PRIORITY_STEPS,
    prioritySeparator: e.TRELLIS_PRIORITY_SEP,
    retention: { maxTasks: e.TRELLIS_RETENTION_MAX_TASKS, maxAgeSeconds: e.TRELLIS_RETENTION_MAX_AGE },
    collector: e.TRELLIS_COLLECTOR,
    ingestBacklogBytes: e.TRELLIS_INGEST_BACKLOG,
    queues: e.TRELLIS_QUEUES,
    sampleIntervalSeconds: e.TRELLIS_SAMPLE_INTERVAL,
    inspectTimeoutSeconds: e.TRELLIS_INSPECT_TIMEOUT,
    auth: {
      mode: e.TRELLIS_AUTH,
      oidc: oidcConfig(e),
      usersFile: e.TRELLIS_USERS_FILE ?? null,
      adminPassword: e.TRELLIS_ADMIN_PASSWORD ?? null,
      sessionSecret: e.TRELLIS_SESSION_SECRET ?? null,
      sessionTtlSeconds: e.TRELLIS_SESSION_TTL,
    },
    alerts: {
      file: e.TRELLIS_ALERTS_FILE ?? null,
      intervalSeconds: e.TRELLIS_ALERTS_INTERVAL,
      publicUrl: e.TRELLIS_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    },
    visibilityTimeoutSeconds: e.TRELLIS_VISIBILITY_TIMEOUT,
    metrics: { families: e.TRELLIS_METRICS, taskNames: e.TRELLIS_METRICS_TASK_NAMES },
    redactKeys: e.TRELLIS_REDACT_KEYS,
    hideArgs: e.TRELLIS_HIDE_ARGS,
    logLevel: e.TRELLIS_LOG_LEVEL,
    port: e.PORT,
    listenHost: e.TRELLIS_HOST,
    allowedHosts: hosts,
    rateLimit: e.TRELLIS_RATE_LIMIT,
    readOnly: e.TRELLIS_READ_ONLY,
    archiveRetentionSeconds: e.TRELLIS_ARCHIVE_RETENTION,
    auditRetentionSeconds: e.TRELLIS_AUDIT_RETENTION,
  };
}

let cached: TrellisConfig | undefined;

/** The process-wide configuration, validated on first use. */
export function config(): TrellisConfig {
  cached ??= loadConfig();
  return cached;
}

/** 127.0.0.0/8, ::1 and localhost: addresses other machines cannot reach. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
