import 'server-only';
import type { LeaderJobDefinition, LeaderScope } from '../collector/leader-job';
import { logger } from '../logger';
import { execOrThrow } from '../store/write-batch';
import { alertsConfig, type AlertsConfig } from './alerts-config';
import { DepthHistory } from './depth-history';
import { EVALUATORS } from './evaluate';
import type { Evaluation } from './evaluate/observation';
import { addTimeline, type Incident, type TimelineEntry } from './incident';
import { loadActive, loadOperators, pruneSilences, writeCycle } from './incident-store';
import { runCycle, type CycleOutput } from './incidents';
import { MinuteCache, readAlertInputs, type AlertInputs } from './inputs';
import { LongRunningTasks } from './long-running';
import { dispatch } from './dispatch';

// The evaluator: a leader job, so rules are judged by the collecting process only, from what the
// store holds (inputs.ts), and its incident writes go through the term's fence. Each cycle: read
// the inputs (bounded round trips), evaluate every enabled rule, advance the incidents, write them,
// then hand the notifications to the channels (delivery does not hold the next cycle up).

export interface CycleStatus {
  at: number;
  durationMs: number;
  /** Where the time went: reading the inputs, evaluating the rules and advancing the incidents. */
  phasesMs: { read: number; evaluate: number; incidents: number; write: number };
  /** The three rules that took longest to evaluate this cycle (ms). */
  slowest: Array<{ rule: string; ms: number }>;
  /** Incident records written this cycle (changed ones, and each active one at least once a minute). */
  written: number;
  rules: number;
  active: number;
  /** Firing incidents (acknowledged and silenced ones included). */
  firing: number;
  /** Firing, neither acknowledged nor silenced (the header badge), and how many of them critical. */
  unhandled: number;
  unhandledCritical: number;
  /** Rules that threw this cycle (their incidents are kept as they were). */
  errors: Array<{ rule: string; error: string }>;
  /** Notifications being delivered. */
  deliveriesInFlight: number;
}

/** Deliveries under way at once (each retries on its own); past it a notification is recorded as not sent. */
const MAX_IN_FLIGHT = 200;
/** On a stop, deliveries under way get this long to finish before they are cancelled (a handover must not wait on a dead receiver). */
const DRAIN_GRACE_MS = 3_000;

/** Worker resource samples are taken once a minute; reading them every 20 s is fresh enough. */
const RESOURCES_REREAD_S = 20;

function unhandled(active: Incident[]): Pick<CycleStatus, 'unhandled' | 'unhandledCritical'> {
  const open = active.filter((i) => i.state === 'firing' && !i.acknowledged && !i.silencedBy);
  return { unhandled: open.length, unhandledCritical: open.filter((i) => i.severity === 'critical').length };
}

const ms = (x: number) => Math.round(x * 10) / 10;

/** An active incident's stored record is refreshed (time last seen, latest numbers) at least this often. */
const REFRESH_S = 60;

/** Seconds a condition must stay absent before its incident resolves: two cycles, at least 10 s. */
const resolveAfter = (cfg: AlertsConfig) => Math.max(10, 2 * cfg.intervalSeconds);

export class AlertEvaluator {
  private active: Map<string, Incident> | null = null;
  private readonly depths = new DepthHistory();
  private readonly longRunning = new LongRunningTasks();
  private readonly minutes = new MinuteCache();
  private resources: { at: number; value: AlertInputs['resources'] } | null = null;
  /** Delivery outcomes to record in their incident's timeline at the next cycle. */
  private readonly outcomes = new Map<string, TimelineEntry[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  /** When each active incident's record was last written. */
  private readonly writtenAt = new Map<string, number>();

  constructor(
    private readonly scope: Pick<LeaderScope, 'ctx' | 'fence'>,
    readonly cfg: AlertsConfig = alertsConfig(scope.ctx.config),
  ) {}

  async cycle(now = Date.now() / 1000): Promise<{ output: CycleOutput; status: CycleStatus }> {
    const started = performance.now();
    const { ctx } = this.scope;
    const enabled = this.cfg.rules.filter((r) => r.enabled);
    if (!this.active) {
      this.active = await loadActive(ctx);
      for (const key of this.active.keys()) this.writtenAt.set(key, now);
    }
    const taskWindow = Math.max(60, ...enabled.filter((r) => r.type.startsWith('task_') || r.type === 'events_silent').map((r) => (r.type === 'events_silent' ? r.threshold : r.window)));
    const [inputs, operators] = await Promise.all([readAlertInputs(ctx, {
        minutes: Math.min(180, Math.ceil(taskWindow / 60) + 1),
        now,
        cache: this.minutes,
        resources: this.resources && now - this.resources.at < RESOURCES_REREAD_S ? this.resources.value : undefined,
      }), loadOperators(ctx)]);
    if (inputs.resources !== this.resources?.value) this.resources = { at: now, value: inputs.resources };
    const growthWindow = Math.max(0, ...enabled.filter((r) => r.type === 'queue_growing').map((r) => r.window));
    // Keep more than the window: the rule needs samples spanning 90 % of it, whatever the sampler's pace.
    this.depths.add(inputs.snapshot, growthWindow * 1.5 + 4 * ctx.config.sampleIntervalSeconds);
    inputs.depthHistory = this.depths.all;
    const stuckRules = enabled.filter((r) => r.type === 'task_stuck');
    if (stuckRules.length > 0) inputs.longRunning = await this.longRunning.load(ctx, inputs.started, Math.min(...stuckRules.map((r) => r.threshold)), now);

    const readDone = performance.now();
    const evaluations = new Map<string, Evaluation>();
    const errors: CycleStatus['errors'] = [];
    const took: CycleStatus['slowest'] = [];
    for (const rule of enabled) {
      const t0 = performance.now();
      try {
        evaluations.set(rule.id, EVALUATORS[rule.type](rule, inputs));
        took.push({ rule: rule.id, ms: ms(performance.now() - t0) });
      } catch (err) {
        evaluations.set(rule.id, null);
        errors.push({ rule: rule.id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    const evaluated = performance.now();
    const output = runCycle({
      now,
      rules: this.cfg.rules,
      evaluations,
      active: this.active,
      silences: operators.silences,
      acks: operators.acks,
      repeatIntervalSeconds: this.cfg.repeatIntervalSeconds,
      resolveAfterSeconds: resolveAfter(this.cfg),
      publicUrl: this.cfg.publicUrl,
    });
    this.recordOutcomes(output);

    const next = new Map(this.active);
    for (const i of output.upserts) next.set(i.dedupKey, i);
    for (const i of [...output.resolved, ...output.dropped]) next.delete(i.dedupKey);
    const status: CycleStatus = {
      at: now,
      durationMs: ms(performance.now() - started),
      phasesMs: { read: ms(readDone - started), evaluate: ms(evaluated - readDone), incidents: ms(performance.now() - evaluated), write: 0 },
      written: 0,
      slowest: took.sort((a, b) => b.ms - a.ms).slice(0, 3),
      rules: enabled.length,
      active: next.size,
      firing: [...next.values()].filter((i) => i.state === 'firing').length,
      ...unhandled([...next.values()]),
      errors,
      deliveriesInFlight: this.inFlight.size,
    };
    const due = output.upserts.filter((i) => output.changed.has(i.dedupKey) || now - (this.writtenAt.get(i.dedupKey) ?? -Infinity) >= REFRESH_S);
    status.written = due.length;
    const batch = this.scope.fence.batch();
    writeCycle(batch, ctx, { ...output, upserts: due }, now);
    pruneSilences(batch, ctx, operators.silences, now);
    batch.set(ctx.keys.alertsStatus, JSON.stringify(status));
    const writeStarted = performance.now();
    await execOrThrow(batch);
    status.phasesMs.write = ms(performance.now() - writeStarted);
    this.active = next;
    for (const i of due) this.writtenAt.set(i.dedupKey, now);
    for (const i of [...output.resolved, ...output.dropped]) this.writtenAt.delete(i.dedupKey);
    for (const n of output.notifications) this.send(n);
    return { output, status };
  }

  /** Delivery results of earlier cycles go into the timeline of incidents this cycle writes. */
  private recordOutcomes(output: CycleOutput): void {
    for (const incident of [...output.upserts, ...output.resolved]) {
      const entries = this.outcomes.get(incident.id);
      if (!entries) continue;
      for (const e of entries) addTimeline(incident, e);
      this.outcomes.delete(incident.id);
      output.changed.add(incident.dedupKey);
    }
    // Outcomes for incidents not touched this cycle are applied when they are; keep memory bounded.
    if (this.outcomes.size > 10_000) this.outcomes.clear();
  }

  private send(item: CycleOutput['notifications'][number]): void {
    const record = (entries: TimelineEntry[]) => {
      if (entries.length > 0) this.outcomes.set(item.incident.id, [...(this.outcomes.get(item.incident.id) ?? []), ...entries]);
    };
    if (this.inFlight.size >= MAX_IN_FLIGHT) {
      // Receivers that hang or keep failing must not pile deliveries up without bound.
      record([{ at: Date.now() / 1000, event: 'notify-failed', note: `${item.notification.kind}: not sent, ${MAX_IN_FLIGHT} deliveries already under way` }]);
      return;
    }
    const p = dispatch(this.cfg, item.rule, item.notification, this.abort.signal)
      .then((results) =>
        record(
          results.map((r) => ({
            at: Date.now() / 1000,
            event: r.ok ? 'notified' : 'notify-failed',
            note: `${item.notification.kind} → ${r.channel}${r.ok ? '' : `: ${r.error ?? 'failed'}`}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}`,
          })),
        ),
      )
      .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert dispatch failed'))
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Lets the deliveries under way finish for up to `graceMs` (a graceful stop), then cancels the rest. */
  async drain(graceMs = DRAIN_GRACE_MS): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), deadline]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }
}

export const alertJob: LeaderJobDefinition = {
  name: 'alert evaluator',
  start(scope) {
    const evaluator = new AlertEvaluator(scope);
    let running: Promise<void> | null = null;
    const everyMs = scope.options.alertIntervalMs ?? evaluator.cfg.intervalSeconds * 1000;
    const timer = setInterval(() => {
      if (running) return;
      running = evaluator
        .cycle()
        .then(() => undefined)
        .catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'alert evaluation failed'))
        .finally(() => (running = null));
    }, everyMs);
    return {
      async stop() {
        clearInterval(timer);
        await running;
        await evaluator.drain();
      },
    };
  },
};
