import 'server-only';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { alertsConfig } from './alerts-config';
import type { CycleStatus } from './alert-job';
import { redactChannel, type RedactedChannel } from './channels/redact';
import { testSend } from './channels/test-send';
import type { DeliveryResult } from './channels/deliver';
import { parseIncident, type Incident } from './incident';
import { loadActive, loadOperators } from './incident-store';
import { channelsFor } from './routing';
import { PARAMS_OF, RULE_TYPES, SUBJECT_OF } from './rules/rule-types';
import type { Rule } from './rules/schema';
import { SilenceMatchSchema, silences as silenceMatches, type Silence } from './silence';
import { DurationField } from './rules/duration-field';

// What the REST API and the Alerts page read and do: incidents (active and history), rules with
// their routing, silences, acknowledgements, channels (redacted) and their test-send. Operators
// write only their own hashes (acks, silences); the evaluator picks them up at its next cycle.

export type IncidentStatus = 'pending' | 'firing' | 'acknowledged' | 'silenced' | 'resolved';

export interface IncidentView extends Incident {
  status: IncidentStatus;
}

export function statusOf(i: Incident): IncidentStatus {
  if (i.state === 'resolved') return 'resolved';
  if (i.state === 'pending') return 'pending';
  if (i.silencedBy) return 'silenced';
  return i.acknowledged ? 'acknowledged' : 'firing';
}

export const AlertFiltersSchema = z.object({
  status: z.union([z.enum(['pending', 'firing', 'acknowledged', 'silenced', 'resolved']), z.array(z.enum(['pending', 'firing', 'acknowledged', 'silenced', 'resolved']))]).optional(),
  severity: z.enum(['critical', 'warning', 'info']).optional(),
  rule: z.string().max(100).optional(),
  /** Rule type (repeatable), e.g. task_failure_rate. */
  type: z.union([z.enum(RULE_TYPES), z.array(z.enum(RULE_TYPES))]).optional(),
  queue: z.string().max(500).optional(),
  worker: z.string().max(500).optional(),
  task: z.string().max(500).optional(),
  /** History: resolved at or after (epoch seconds). */
  since: z.coerce.number().optional(),
  /** History page: resolved before (epoch seconds; the previous page's `nextBefore`). */
  before: z.coerce.number().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AlertFilters = z.infer<typeof AlertFiltersSchema>;

export interface AlertList {
  active: IncidentView[];
  history: IncidentView[];
  /** Resolve time to pass as `before` for the next history page; null at the end. */
  nextBefore: number | null;
  counts: Record<Exclude<IncidentStatus, 'resolved'>, number>;
  evaluator: CycleStatus | null;
  at: number;
}

function matches(i: IncidentView, f: AlertFilters): boolean {
  const statuses = f.status === undefined ? null : Array.isArray(f.status) ? f.status : [f.status];
  return (
    (!statuses || statuses.includes(i.status)) &&
    (!f.severity || i.severity === f.severity) &&
    (!f.rule || i.ruleId === f.rule) &&
    (!f.type || (Array.isArray(f.type) ? f.type : [f.type]).some((t) => t === i.ruleType)) &&
    (!f.queue || i.labels.queue === f.queue) &&
    (!f.worker || i.labels.worker === f.worker) &&
    (!f.task || i.labels.task === f.task)
  );
}

const view = (i: Incident): IncidentView => ({ ...i, status: statusOf(i) });

/**
 * An acknowledgement or silence made since the evaluator's last cycle shows at once (the evaluator
 * records it in the incident, with its timeline entry and notification, at its next cycle).
 */
function withOperators(i: Incident, ops: Awaited<ReturnType<typeof loadOperators>>, now: number): Incident {
  const ack = i.acknowledged ?? ops.acks.get(i.id) ?? null;
  const silence = ops.silences.find((s) => silenceMatches(s, i, now));
  return { ...i, acknowledged: ack, silencedBy: silence?.id ?? null };
}

/** Active incidents (all of them, filtered) and a page of history, newest first. */
export async function listAlerts(ctx: TrellisContext, f: AlertFilters): Promise<AlertList> {
  const now = Date.now() / 1000;
  const wantsHistory = !f.status || (Array.isArray(f.status) ? f.status : [f.status]).includes('resolved');
  const max = f.before !== undefined ? `(${f.before}` : '+inf';
  const min = f.since ?? '-inf';
  const [stored, operators, historyRaw, statusRaw] = await Promise.all([
    loadActive(ctx),
    loadOperators(ctx),
    wantsHistory ? ctx.store.zrevrangebyscore(ctx.keys.alertsHistory, max, min, 'WITHSCORES', 'LIMIT', 0, f.limit * 4) : Promise.resolve([] as string[]),
    ctx.store.get(ctx.keys.alertsStatus),
  ]);
  const active = [...stored.values()].map((i) => withOperators(i, operators, now));
  const activeViews = active.map(view);
  const counts = { pending: 0, firing: 0, acknowledged: 0, silenced: 0 };
  for (const i of activeViews) if (i.status !== 'resolved') counts[i.status] += 1;
  const history: IncidentView[] = [];
  let lastScore: number | null = null;
  let scanned = 0;
  for (let j = 0; j + 1 < historyRaw.length && history.length < f.limit; j += 2) {
    scanned += 1;
    lastScore = Number(historyRaw[j + 1]);
    const i = parseIncident(historyRaw[j] ?? '');
    if (i && matches(view(i), f)) history.push(view(i));
  }
  const more = history.length >= f.limit || scanned * 2 < historyRaw.length || historyRaw.length === f.limit * 8;
  return {
    active: activeViews.filter((i) => matches(i, f)).sort((a, b) => rank(a) - rank(b) || b.since - a.since),
    history,
    nextBefore: more && lastScore !== null ? lastScore : null,
    counts,
    evaluator: parseStatus(statusRaw),
    at: now,
  };
}

const RANK: Record<IncidentStatus, number> = { firing: 0, acknowledged: 1, pending: 2, silenced: 3, resolved: 4 };
const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 } as const;
const rank = (i: IncidentView) => RANK[i.status] * 10 + SEVERITY_RANK[i.severity];

function parseStatus(raw: string | null): CycleStatus | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as CycleStatus;
  } catch {
    return null;
  }
}

/**
 * The number firing unacknowledged and unsilenced (and how many critical) as of the evaluator's last
 * cycle: the header badge, polled by every open page, so one small GET rather than every incident.
 */
export async function firingCount(ctx: TrellisContext): Promise<{ firing: number; critical: number; at: number | null }> {
  const status = parseStatus(await ctx.store.get(ctx.keys.alertsStatus));
  return { firing: status?.unhandled ?? 0, critical: status?.unhandledCritical ?? 0, at: status?.at ?? null };
}

export const AcknowledgeSchema = z.object({ note: z.string().max(500).optional() }).strict();

export async function acknowledgeIncident(ctx: TrellisContext, id: string, by: string, note?: string): Promise<IncidentView> {
  const incident = [...(await loadActive(ctx)).values()].find((i) => i.id === id);
  if (!incident) throw new AppError('NOT_FOUND', `No active incident ${id} (it may have resolved)`);
  if (incident.state !== 'firing') throw new AppError('CONFLICT', `Incident ${id} is ${incident.state}: only a firing incident can be acknowledged`);
  const at = Date.now() / 1000;
  // The first acknowledgement wins; the evaluator applies it at its next cycle.
  const mine = { by, at, ...(note ? { note } : {}) };
  const first = (await ctx.store.hsetnx(ctx.keys.alertsAcks, id, JSON.stringify(mine))) === 1;
  const recorded = first ? mine : ((await loadOperators(ctx)).acks.get(id) ?? mine);
  return view({ ...incident, acknowledged: incident.acknowledged ?? recorded });
}

export const CreateSilenceSchema = z
  .object({
    match: SilenceMatchSchema,
    /** How long (e.g. "2h"); or `expiresAt`. */
    duration: DurationField.optional(),
    expiresAt: z.number().optional(),
    reason: z.string().min(1, 'say why (shown to whoever is on call)').max(500),
  })
  .strict()
  .refine((s) => (s.duration === undefined) !== (s.expiresAt === undefined), 'give either duration or expiresAt');

export interface SilenceView extends Silence {
  active: boolean;
  /** Active incidents it mutes now. */
  matching: number;
}

export async function createSilence(ctx: TrellisContext, input: z.output<typeof CreateSilenceSchema>, by: string): Promise<SilenceView> {
  const now = Date.now() / 1000;
  const expiresAt = input.expiresAt ?? now + (input.duration ?? 0);
  if (expiresAt <= now) throw new AppError('INVALID_INPUT', 'the silence would already be over');
  if (expiresAt > now + 90 * 86_400) throw new AppError('INVALID_INPUT', 'a silence lasts at most 90 days');
  const silence: Silence = { id: randomUUID(), match: input.match, reason: input.reason, createdBy: by, createdAt: now, expiresAt };
  await ctx.store.hset(ctx.keys.alertsSilences, silence.id, JSON.stringify(silence));
  return silenceView(silence, [...(await loadActive(ctx)).values()], now);
}

/** Ends a silence now (kept a day, listed as expired). */
export async function expireSilence(ctx: TrellisContext, id: string): Promise<SilenceView> {
  const { silences } = await loadOperators(ctx);
  const silence = silences.find((s) => s.id === id);
  if (!silence) throw new AppError('NOT_FOUND', `No silence ${id}`);
  const now = Date.now() / 1000;
  const ended = { ...silence, expiresAt: Math.min(silence.expiresAt, now) };
  await ctx.store.hset(ctx.keys.alertsSilences, id, JSON.stringify(ended));
  return silenceView(ended, [], now);
}

function silenceView(s: Silence, active: Incident[], now: number): SilenceView {
  return { ...s, active: s.expiresAt > now, matching: active.filter((i) => silenceMatches(s, i, now)).length };
}

export async function listSilences(ctx: TrellisContext): Promise<SilenceView[]> {
  const now = Date.now() / 1000;
  const [{ silences }, active] = await Promise.all([loadOperators(ctx), loadActive(ctx)]);
  const incidents = [...active.values()];
  return silences.map((s) => silenceView(s, incidents, now)).sort((a, b) => Number(b.active) - Number(a.active) || b.createdAt - a.createdAt);
}

export interface RuleView extends Rule {
  subject: string;
  params: Partial<Record<'threshold' | 'window' | 'factor' | 'minRuns', string>>;
  /** Channels its incidents go to, by severity routing or its own list. */
  routedTo: string[];
  active: number;
  firing: number;
}

export async function listRules(ctx: TrellisContext): Promise<{ rules: RuleView[]; channels: RedactedChannel[]; source: string | null; repeatIntervalSeconds: number }> {
  const cfg = alertsConfig(ctx.config);
  const active = [...(await loadActive(ctx)).values()];
  return {
    rules: cfg.rules.map((r) => ({
      ...r,
      subject: SUBJECT_OF[r.type],
      params: PARAMS_OF[r.type],
      routedTo: channelsFor(r, r.severity, cfg.routes),
      active: active.filter((i) => i.ruleId === r.id).length,
      firing: active.filter((i) => i.ruleId === r.id && i.state === 'firing').length,
    })),
    channels: cfg.channels.map(redactChannel),
    source: cfg.source,
    repeatIntervalSeconds: cfg.repeatIntervalSeconds,
  };
}

export async function testChannel(ctx: TrellisContext, id: string): Promise<{ channel: RedactedChannel; result: Omit<DeliveryResult, 'deliveryId'> & { deliveryId: string } }> {
  const cfg = alertsConfig(ctx.config);
  const channel = cfg.channels.find((c) => c.id === id);
  if (!channel) throw new AppError('NOT_FOUND', `No channel ${id} in the alerts file`);
  const result = await testSend(channel, cfg.publicUrl);
  return { channel: redactChannel(channel), result };
}
