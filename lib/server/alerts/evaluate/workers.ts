import { status, type WorkerDoc } from '../../workers/worker-doc';
import type { AlertInputs } from '../inputs';
import type { Rule } from '../rules/schema';
import { duration, encodePath, fmt, inScope, type Evaluation, type Observation } from './observation';

// Worker rules, from the worker records the collector folds from heartbeats and the resource
// samples (inspect stats, once a minute).

const observe = (w: WorkerDoc, summary: string, details: Observation['details'], value: number | null = null, threshold: number | null = null): Observation => ({
  subject: `worker=${w.hostname}`,
  labels: { worker: w.hostname },
  value,
  threshold,
  summary,
  details,
  path: `/workers/${encodePath(w.hostname)}`,
});

const scoped = (rule: Rule, inputs: AlertInputs) => inputs.workers.filter((w) => inScope(rule.scope, { worker: w.hostname }));

export function workerLost(rule: Rule, inputs: AlertInputs): Evaluation {
  return scoped(rule, inputs)
    // Firing until it is back (or pruned with the workers unseen for the retention age): acknowledge
    // or silence a worker that was scaled away for good.
    .filter((w) => status(w, inputs.now) === 'lost')
    .map((w) =>
      observe(w, `Worker ${w.hostname} is lost: no heartbeat for ${duration(inputs.now - w.lastReceived)}`, {
        lastHeartbeatAgeSeconds: Math.round(inputs.now - w.lastReceived),
        pid: w.pid,
        activeAtLastHeartbeat: w.active,
      }, Math.round(inputs.now - w.lastReceived)),
    );
}

export function workerOffline(rule: Rule, inputs: AlertInputs): Evaluation {
  return scoped(rule, inputs)
    .filter((w) => status(w, inputs.now) === 'offline' && w.offlineAt !== null && inputs.now - w.offlineAt < rule.window)
    .map((w) => observe(w, `Worker ${w.hostname} shut down`, { offlineAt: w.offlineAt }));
}

/**
 * Some consumers of a queue are saturated (busy share ≥ factor of their pool) while others sit idle.
 * Subject: the queue, naming both groups.
 */
export function workerLoadSkew(rule: Rule, inputs: AlertInputs): Evaluation {
  if (!inputs.snapshot) return null;
  const byHost = new Map(inputs.workers.filter((w) => status(w, inputs.now) === 'online').map((w) => [w.hostname, w]));
  const out: Observation[] = [];
  for (const q of inputs.snapshot.views) {
    // Skew matters while work waits (in the queue or prefetched by a busy worker) and a consumer idles.
    if (q.stale || q.consumers.length < 2 || q.depth + q.reserved === 0) continue;
    const saturated: string[] = [];
    const idle: string[] = [];
    for (const host of q.consumers) {
      const w = byHost.get(host);
      const pool = inputs.resources.get(host)?.concurrency;
      if (!w || w.active === null || !inScope(rule.scope, { worker: host, queue: q.name })) continue;
      if (pool && w.active >= rule.factor * pool) saturated.push(host);
      else if (w.active === 0) idle.push(host);
    }
    if (saturated.length === 0 || idle.length === 0) continue;
    out.push({
      subject: `queue=${q.name}`,
      labels: { queue: q.name },
      value: saturated.length,
      threshold: null,
      summary: `Consumers of queue ${q.name} are out of balance: ${saturated.length} saturated, ${idle.length} idle`,
      details: { saturated: saturated.join(', '), idle: idle.join(', '), depth: q.depth },
      path: `/queues/${encodePath(q.name)}`,
    });
  }
  return out;
}

/** maxrss grew by threshold % across the window (samples of one process: maxrss never falls; a restart starts anew). */
export function workerMemoryGrowth(rule: Rule, inputs: AlertInputs): Evaluation {
  const out: Observation[] = [];
  for (const w of scoped(rule, inputs)) {
    if (status(w, inputs.now) !== 'online') continue;
    const samples = inputs.resources.get(w.hostname)?.samples.filter(([t]) => t >= inputs.now - rule.window) ?? [];
    const first = samples[0];
    const last = samples[samples.length - 1];
    if (!first || !last || first[1] <= 0 || last[0] - first[0] < rule.window / 2) continue;
    // A restart (maxrss fell) starts a new series: measure from the last fall.
    let from = first;
    samples.forEach((s, i) => {
      if (i > 0 && s[1] < (samples[i - 1]?.[1] ?? 0)) from = s;
    });
    if (last[0] - from[0] < rule.window / 2) continue;
    const growth = ((last[1] - from[1]) / from[1]) * 100;
    if (growth < rule.threshold) continue;
    out.push(observe(w, `Worker ${w.hostname}’s memory grew ${fmt(growth)} % in ${duration(last[0] - from[0])} (maxrss ${fmt(from[1] / 1024)} → ${fmt(last[1] / 1024)} MB)`, {
      fromKb: from[1],
      toKb: last[1],
      growthPercent: Math.round(growth),
    }, Math.round(growth), rule.threshold));
  }
  return out;
}
