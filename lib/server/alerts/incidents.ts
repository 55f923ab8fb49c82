import { randomUUID } from 'node:crypto';
import type { Observation, Evaluation } from './evaluate/observation';
import { addTimeline, type Incident } from './incident';
import type { AlertNotification } from './notification';
import type { Rule } from './rules/schema';
import { silences, type Silence } from './silence';

// The incident state machine, pure: given the active incidents, this cycle's evaluations, the
// silences and acknowledgements, it returns the incidents to write, to retire and the notifications
// to send. pending → firing once the condition held for the rule's `for`; one notification when it
// fires, repeated every repeat interval while it fires unacknowledged, one when it is acknowledged
// and one when it resolves. A condition must be absent for `resolveAfter` seconds before its
// incident resolves, so a condition that blinks for a cycle neither resolves nor re-notifies.

export interface Acknowledgement {
  by: string;
  at: number;
  note?: string;
}

export interface CycleInput {
  now: number;
  rules: readonly Rule[];
  /** Evaluation per rule id (null: the rule could not be judged this cycle). */
  evaluations: ReadonlyMap<string, Evaluation>;
  active: ReadonlyMap<string, Incident>;
  silences: readonly Silence[];
  acks: ReadonlyMap<string, Acknowledgement>;
  repeatIntervalSeconds: number;
  resolveAfterSeconds: number;
  publicUrl: string;
}

export interface CycleOutput {
  /** Active incidents observed or updated this cycle (the evaluator's memory). */
  upserts: Incident[];
  /** Dedup keys of those whose stored record is out of date beyond `lastSeenAt`/`value` drift (to write now). */
  changed: Set<string>;
  /** Incidents that left the active set: resolved (to history) or pending that never fired (dropped). */
  resolved: Incident[];
  dropped: Incident[];
  notifications: Array<{ incident: Incident; notification: AlertNotification; rule: Rule }>;
}

export const dedupKeyOf = (ruleId: string, subject: string) => `${ruleId}|${subject}`;

export function runCycle(input: CycleInput): CycleOutput {
  const { now } = input;
  const out: CycleOutput = { upserts: [], changed: new Set(), resolved: [], dropped: [], notifications: [] };
  const rulesById = new Map(input.rules.map((r) => [r.id, r]));
  const seen = new Set<string>();

  for (const rule of input.rules) {
    if (!rule.enabled) continue;
    const evaluation = input.evaluations.get(rule.id);
    if (!evaluation) continue;
    for (const obs of evaluation) {
      const key = dedupKeyOf(rule.id, obs.subject);
      seen.add(key);
      const before = input.active.get(key);
      const incident = before ? copy(before) : open(rule, obs, key, now);
      refresh(incident, obs, now);
      step(incident, rule, input, out);
      out.upserts.push(incident);
      if (!before || differs(before, incident)) out.changed.add(key);
    }
  }

  for (const [key, before] of input.active) {
    if (seen.has(key)) continue;
    const rule = rulesById.get(before.ruleId);
    const judged = rule?.enabled ? input.evaluations.get(rule.id) : [];
    if (judged === null || judged === undefined) {
      // Not judged this cycle: unchanged, except for acks and silences that still apply.
      if (rule) {
        const incident = copy(before);
        if (applyOperators(incident, rule, input, out)) upsertChanged(out, incident);
      }
      continue;
    }
    const incident = copy(before);
    if (now - incident.lastSeenAt < input.resolveAfterSeconds && rule?.enabled) {
      if (rule && applyOperators(incident, rule, input, out)) upsertChanged(out, incident);
      continue;
    }
    if (incident.state === 'pending') {
      out.dropped.push(incident);
      continue;
    }
    incident.state = 'resolved';
    incident.resolvedAt = now;
    addTimeline(incident, { at: now, event: 'resolved', note: rule?.enabled ? undefined : 'rule disabled or removed' });
    out.resolved.push(incident);
    // Whoever was told it fired is told it is over (even if silenced since).
    if (incident.notifiedAt !== null && rule) notify(out, incident, rule, 'resolved', input.publicUrl);
  }
  return out;
}

/** A copy safe to modify: what a cycle changes is replaced whole, except the timeline it appends to. */
const copy = (i: Incident): Incident => ({ ...i, timeline: [...i.timeline] });

function upsertChanged(out: CycleOutput, incident: Incident): void {
  out.upserts.push(incident);
  out.changed.add(incident.dedupKey);
}

/** Changes worth a write now: anything but the time last seen and the latest numbers (written every minute). */
function differs(a: Incident, b: Incident): boolean {
  return (
    a.state !== b.state ||
    a.severity !== b.severity ||
    a.notifiedAt !== b.notifiedAt ||
    a.acknowledged !== b.acknowledged ||
    a.silencedBy !== b.silencedBy ||
    a.timeline.at(-1) !== b.timeline.at(-1)
  );
}

function open(rule: Rule, obs: Observation, key: string, now: number): Incident {
  return {
    id: randomUUID(),
    dedupKey: key,
    ruleId: rule.id,
    ruleType: rule.type,
    severity: rule.severity,
    subject: obs.subject,
    labels: obs.labels,
    state: 'pending',
    since: now,
    firedAt: null,
    resolvedAt: null,
    lastSeenAt: now,
    value: obs.value,
    threshold: obs.threshold,
    peak: obs.value,
    summary: obs.summary,
    details: obs.details,
    path: obs.path,
    notifiedAt: null,
    acknowledged: null,
    silencedBy: null,
    timeline: [{ at: now, event: 'pending', value: obs.value, note: obs.summary }],
  };
}

function refresh(incident: Incident, obs: Observation, now: number): void {
  incident.lastSeenAt = now;
  incident.value = obs.value;
  incident.threshold = obs.threshold;
  incident.summary = obs.summary;
  incident.details = obs.details;
  incident.path = obs.path;
  if (obs.value !== null && (incident.peak === null || obs.value > incident.peak)) incident.peak = obs.value;
}

function step(incident: Incident, rule: Rule, input: CycleInput, out: CycleOutput): void {
  const { now } = input;
  incident.severity = rule.severity;
  if (incident.state === 'pending' && now - incident.since >= rule.for) {
    incident.state = 'firing';
    incident.firedAt = now;
    addTimeline(incident, { at: now, event: 'firing', value: incident.value, note: incident.summary });
  }
  applyOperators(incident, rule, input, out);
  if (incident.state !== 'firing' || incident.silencedBy !== null) return;
  if (incident.notifiedAt === null) {
    incident.notifiedAt = now;
    notify(out, incident, rule, 'firing', input.publicUrl);
  } else if (incident.acknowledged === null && now - incident.notifiedAt >= input.repeatIntervalSeconds) {
    incident.notifiedAt = now;
    addTimeline(incident, { at: now, event: 'repeat', value: incident.value });
    notify(out, incident, rule, 'repeat', input.publicUrl);
  }
}

/** Applies a new acknowledgement and the silences; true when the incident changed. */
function applyOperators(incident: Incident, rule: Rule, input: CycleInput, out: CycleOutput): boolean {
  let changed = false;
  const ack = input.acks.get(incident.id);
  if (ack && incident.acknowledged === null) {
    incident.acknowledged = ack;
    addTimeline(incident, { at: ack.at, event: 'acknowledged', note: ack.note ? `${ack.by}: ${ack.note}` : ack.by });
    if (incident.notifiedAt !== null) notify(out, incident, rule, 'acknowledged', input.publicUrl);
    changed = true;
  }
  const silence = input.silences.find((s) => silences(s, incident, input.now));
  const silencedBy = silence?.id ?? null;
  if (silencedBy !== incident.silencedBy) {
    addTimeline(incident, silencedBy ? { at: input.now, event: 'silenced', note: silence?.reason } : { at: input.now, event: 'unsilenced' });
    incident.silencedBy = silencedBy;
    changed = true;
  }
  return changed;
}

function notify(out: CycleOutput, incident: Incident, rule: Rule, kind: AlertNotification['kind'], publicUrl: string): void {
  out.notifications.push({ incident, rule, notification: toNotification(incident, kind, publicUrl) });
}

export function toNotification(incident: Incident, kind: AlertNotification['kind'], publicUrl: string): AlertNotification {
  const details = Object.entries(incident.details)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n');
  return {
    kind,
    dedupKey: incident.dedupKey,
    incidentId: incident.id,
    ruleId: incident.ruleId,
    ruleType: incident.ruleType,
    severity: incident.severity,
    summary: kind === 'resolved' ? `Resolved: ${incident.summary}` : incident.summary,
    description: details,
    labels: incident.labels,
    value: incident.value,
    threshold: incident.threshold,
    startsAt: incident.since,
    endsAt: incident.resolvedAt,
    url: `${publicUrl}${incident.path}`,
    ...(kind === 'acknowledged' && incident.acknowledged ? { acknowledgedBy: incident.acknowledged.by } : {}),
  };
}
