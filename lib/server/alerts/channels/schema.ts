import 'server-only';
import { z } from 'zod';
import { DurationField } from '../rules/duration-field';

// One notification channel as written in the alerts file (TRELLIS_ALERTS_FILE, `channels:` list).
// Unknown fields are errors (a typo silently ignored is a page that never arrives). Secrets — and
// webhook/Slack URLs, which are secrets too — may be written `${ENV_VAR}` and are expanded here, once,
// at load; an unset variable is an error naming the variable, never a silent empty string.

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A string in which `${NAME}` is replaced by the environment variable NAME (an error when unset). */
export const expandable = (env: NodeJS.ProcessEnv = process.env) =>
  z.string().transform((text, ctx) => {
    const missing: string[] = [];
    const out = text.replace(ENV_REF, (_, name: string) => {
      const value = env[name];
      if (value === undefined || value === '') missing.push(name);
      return value ?? '';
    });
    if (missing.length > 0) {
      ctx.addIssue({ code: 'custom', message: `environment variable ${missing.join(', ')} is not set` });
      return z.NEVER;
    }
    return out;
  });

const httpUrl = (what: string) =>
  expandable().pipe(
    z.string().refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    }, `must be an http(s) URL (${what})`),
  );

const seconds = DurationField.pipe(z.number().positive('must be more than 0'));

const common = {
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and - (e.g. "ops-slack")'),
  name: z.string().max(100).optional(),
  /** Per attempt, seconds (at most 2 minutes: one delivery's total time stays bounded). */
  timeout: seconds.pipe(z.number().max(120, 'at most 120s')).default(10),
  /** Attempts after the first one, on network errors, 5xx and 429. */
  retries: z.number().int().min(0).max(10).default(3),
};

export const WebhookChannelSchema = z
  .object({
    ...common,
    type: z.literal('webhook'),
    url: httpUrl('the receiver'),
    /** HMAC-SHA256 key for X-Trellis-Signature. */
    secret: expandable().pipe(z.string().min(16, 'at least 16 characters')),
    headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), expandable()).optional(),
  })
  .strict();

export const SlackChannelSchema = z
  .object({ ...common, type: z.literal('slack'), url: httpUrl('a Slack incoming-webhook URL') })
  .strict();

export const PAGERDUTY_EVENTS_URL = 'https://events.pagerduty.com/v2/enqueue';

export const PagerDutyChannelSchema = z
  .object({
    ...common,
    type: z.literal('pagerduty'),
    routing_key: expandable().pipe(z.string().min(1, 'the Events API v2 integration key')),
    url: httpUrl('the Events API v2 endpoint').default(PAGERDUTY_EVENTS_URL),
  })
  .strict();

export const EmailChannelSchema = z
  .object({
    ...common,
    type: z.literal('email'),
    /** smtp://user:pass@host:port or smtps://…; or host/port/secure/user/password. */
    smtp: expandable()
      .pipe(z.string().regex(/^smtps?:\/\/[^/]+/, 'must be an smtp:// or smtps:// URL'))
      .optional(),
    host: z.string().min(1).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    secure: z.boolean().optional(),
    user: expandable().optional(),
    password: expandable().optional(),
    from: z.string().min(3),
    to: z.union([z.string(), z.array(z.string()).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
  })
  .strict()
  .refine((c) => (c.smtp === undefined) !== (c.host === undefined), { message: 'give either smtp (a URL) or host', path: ['smtp'] });

export const AlertmanagerChannelSchema = z
  .object({
    ...common,
    type: z.literal('alertmanager'),
    /** One Alertmanager or every member of an HA cluster (each receives every alert, as Prometheus does). */
    url: z.union([httpUrl('an Alertmanager'), z.array(httpUrl('an Alertmanager')).min(1)]).transform((v) => (Array.isArray(v) ? v : [v])),
    /** endsAt of a firing alert = now + hold: longer than the repeat interval, so it stays active between re-sends (ADR 0014). */
    hold: seconds.default(5 * 3600),
  })
  .strict();

export const ChannelSchema = z.discriminatedUnion('type', [
  WebhookChannelSchema,
  SlackChannelSchema,
  PagerDutyChannelSchema,
  EmailChannelSchema,
  AlertmanagerChannelSchema,
]);

export type Channel = z.output<typeof ChannelSchema>;
export type ChannelType = Channel['type'];
export type ChannelOf<T extends ChannelType> = Extract<Channel, { type: T }>;

/** The `channels:` list: every bad field reported as `channels[2].url: …`; ids must be unique. */
export function parseChannels(input: unknown): { channels: Channel[] } | { errors: string[] } {
  const parsed = z.array(ChannelSchema).safeParse(input);
  if (!parsed.success) {
    return { errors: parsed.error.issues.map((i) => `channels${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`) };
  }
  const seen = new Set<string>();
  const errors: string[] = [];
  parsed.data.forEach((c, i) => {
    if (seen.has(c.id)) errors.push(`channels[${i}].id: "${c.id}" is used by an earlier channel`);
    seen.add(c.id);
  });
  return errors.length > 0 ? { errors } : { channels: parsed.data };
}
