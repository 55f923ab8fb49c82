import { describe, expect, it } from 'vitest';
import type { Observation } from '@/lib/server/alerts/evaluate/observation';
import type { Incident } from '@/lib/server/alerts/incident';
import { runCycle, type Acknowledgement, type CycleInput } from '@/lib/server/alerts/incidents';
import { defaultRules } from '@/lib/server/alerts/rules/defaults';
import type { Rule } from '@/lib/server/alerts/rules/schema';
import type { Silence } from '@/lib/server/alerts/silence';

// The incident state machine, cycle by cycle: pending → firing after `for`, one notification per
// incident, repeats only after the repeat interval, resolve after the condition stays away.

const backlog = defaultRules().find((r) => r.id === 'queue-backlog');
const rule = (over: Partial<Rule> = {}): Rule => {
  if (!backlog) throw new Error('no default queue-backlog rule');
  return { ...backlog, for: 60, ...over };
};
const obs = (value: number, queue = 'emails'): Observation => ({
  subject: `queue=${queue}`,
  labels: { queue },
  value,
  threshold: 1000,
  summary: `Queue ${queue} has ${value}`,
  details: { depth: value },
  path: `/queues/${queue}`,
});

/** Runs cycles every `every` seconds from t0 to t1, with the observations `at(t)` returns; collects notifications. */
function simulate(r: Rule, from: number, to: number, every: number, at: (t: number) => Observation[] | null, extra: Partial<CycleInput> = {}, start = new Map<string, Incident>()) {
  let active = start;
  const sent: Array<{ t: number; kind: string }> = [];
  const resolved: Incident[] = [];
  for (let t = from; t <= to; t += every) {
    const out = runCycle({
      now: t,
      rules: [r],
      evaluations: new Map([[r.id, at(t)]]),
      active,
      silences: [],
      acks: new Map(),
      repeatIntervalSeconds: 4 * 3600,
      resolveAfterSeconds: 10,
      publicUrl: 'https://trellis.test',
      ...extra,
    });
    active = new Map(active);
    for (const i of out.upserts) active.set(i.dedupKey, i);
    for (const i of [...out.resolved, ...out.dropped]) active.delete(i.dedupKey);
    resolved.push(...out.resolved);
    sent.push(...out.notifications.map((n) => ({ t, kind: n.notification.kind })));
  }
  return { active, sent, resolved };
}

describe('incidents', () => {
  it('stays pending for `for`, then fires once: one notification over 10 minutes of firing', () => {
    const { active, sent } = simulate(rule(), 0, 660, 5, () => [obs(1500)]);
    expect(sent).toEqual([{ t: 60, kind: 'firing' }]);
    const [incident] = [...active.values()];
    expect(incident).toMatchObject({ state: 'firing', since: 0, firedAt: 60, notifiedAt: 60 });
    expect(incident?.timeline.map((e) => e.event)).toEqual(['pending', 'firing']);
  });

  it('a condition that ends before `for` never fires and leaves no history', () => {
    const { active, sent, resolved } = simulate(rule(), 0, 120, 5, (t) => (t < 30 ? [obs(1500)] : []));
    expect(sent).toEqual([]);
    expect(active.size).toBe(0);
    expect(resolved).toEqual([]);
  });

  it('repeats every repeat interval while firing, resolves after the condition stays away, and says so', () => {
    const r = rule({ for: 0 });
    const { sent, resolved } = simulate(r, 0, 9 * 3600, 60, (t) => (t < 8.5 * 3600 ? [obs(2000 + t)] : []));
    expect(sent.map((s) => s.kind)).toEqual(['firing', 'repeat', 'repeat', 'resolved']);
    // Absent at 8.5 h, last seen a cycle (60 s > resolveAfter) before: resolved at once.
    expect(sent.map((s) => s.t)).toEqual([0, 4 * 3600, 8 * 3600, 8.5 * 3600]);
    expect(resolved[0]?.peak).toBe(2000 + 8.5 * 3600 - 60);
  });

  it('a condition absent for one cycle neither resolves nor notifies again', () => {
    const { sent } = simulate(rule({ for: 0 }), 0, 300, 5, (t) => (t === 100 ? [] : [obs(1500)]));
    expect(sent.map((s) => s.kind)).toEqual(['firing']);
  });

  it('a rule that cannot be judged (null) keeps its incidents as they are', () => {
    const { active, sent } = simulate(rule({ for: 0 }), 0, 300, 5, (t) => (t < 50 ? [obs(1500)] : null));
    expect(sent.map((s) => s.kind)).toEqual(['firing']);
    expect([...active.values()][0]?.state).toBe('firing');
  });

  it('an acknowledgement stops the repeats and is notified once', () => {
    const r = rule({ for: 0 });
    const first = simulate(r, 0, 60, 5, () => [obs(1500)]);
    const id = [...first.active.values()][0]?.id ?? '';
    const acks = new Map<string, Acknowledgement>([[id, { by: 'alice', at: 61 }]]);
    const { sent, active } = simulate(r, 65, 9 * 3600, 300, () => [obs(1500)], { acks }, first.active);
    expect(sent.map((s) => s.kind)).toEqual(['acknowledged']);
    expect([...active.values()][0]?.acknowledged).toEqual({ by: 'alice', at: 61 });
  });

  it('a silence mutes the incident until it expires; then it is notified', () => {
    const silence: Silence = { id: 's1', match: { labels: { queue: 'emails' } }, reason: 'migration', createdBy: 'bob', createdAt: 0, expiresAt: 600 };
    const { sent, active } = simulate(rule({ for: 0 }), 0, 900, 30, () => [obs(1500), obs(1500, 'other')], { silences: [silence] });
    expect(sent).toEqual([{ t: 0, kind: 'firing' }, { t: 600, kind: 'firing' }]);
    const emails = [...active.values()].find((i) => i.labels.queue === 'emails');
    expect(emails?.timeline.map((e) => e.event)).toEqual(['pending', 'firing', 'silenced', 'unsilenced']);
  });

  it('a disabled rule resolves its incidents', () => {
    const r = rule({ for: 0 });
    const first = simulate(r, 0, 10, 5, () => [obs(1500)]);
    const { sent, resolved } = simulate({ ...r, enabled: false }, 15, 30, 5, () => [obs(1500)], {}, first.active);
    expect(sent.map((s) => s.kind)).toEqual(['resolved']);
    expect(resolved[0]?.timeline.at(-1)).toMatchObject({ event: 'resolved', note: 'rule disabled or removed' });
  });

  it('notifications carry the dedup key, the link and the numbers', () => {
    const out = runCycle({
      now: 100,
      rules: [rule({ for: 0 })],
      evaluations: new Map([['queue-backlog', [obs(1500)]]]),
      active: new Map(),
      silences: [],
      acks: new Map(),
      repeatIntervalSeconds: 3600,
      resolveAfterSeconds: 10,
      publicUrl: 'https://trellis.test',
    });
    expect(out.notifications[0]?.notification).toMatchObject({
      kind: 'firing',
      dedupKey: 'queue-backlog|queue=emails',
      severity: 'warning',
      labels: { queue: 'emails' },
      value: 1500,
      url: 'https://trellis.test/queues/emails',
      description: 'depth: 1500',
      startsAt: 100,
      endsAt: null,
    });
  });
});
