import type { Rule } from './schema';
import type { RuleType } from './rule-types';

// The rules every installation starts with: on by default, thresholds that page for real trouble
// and not for a busy minute. The alerts file overrides any field by id, or disables a rule.

type Default = Pick<Rule, 'id' | 'type' | 'severity' | 'for' | 'description'> & Partial<Pick<Rule, 'threshold' | 'window' | 'factor' | 'minRuns'>>;

const DEFAULTS: Default[] = [
  { id: 'queue-backlog', type: 'queue_backlog', severity: 'warning', for: 300, threshold: 1_000, description: 'A queue holds more waiting messages than it should.' },
  { id: 'queue-oldest-age', type: 'queue_oldest_age', severity: 'warning', for: 60, threshold: 600, description: 'The next message of a queue has waited too long.' },
  { id: 'queue-no-consumer', type: 'queue_no_consumer', severity: 'critical', for: 60, threshold: 1, description: 'A queue has waiting messages and no worker consumes it: they will never run.' },
  { id: 'queue-imbalance', type: 'queue_imbalance', severity: 'warning', for: 300, threshold: 300, factor: 5, description: 'A queue drains far slower than the other queues of the same workers (or has far more per consumer).' },
  { id: 'queue-growing', type: 'queue_growing', severity: 'warning', for: 0, window: 900, description: 'A queue grew for the whole window although its workers were consuming: they cannot keep up.' },
  { id: 'worker-lost', type: 'worker_lost', severity: 'critical', for: 0, description: 'A worker stopped sending heartbeats without saying goodbye (killed, frozen, or cut off).' },
  { id: 'worker-offline', type: 'worker_offline', severity: 'info', for: 0, description: 'A worker shut down gracefully.' },
  { id: 'worker-load-skew', type: 'worker_load_skew', severity: 'warning', for: 300, factor: 1, description: 'Some workers are saturated while others consuming the same queues sit idle.' },
  { id: 'worker-memory-growth', type: 'worker_memory_growth', severity: 'warning', for: 0, threshold: 50, window: 3_600, description: 'A worker’s resident memory (maxrss) keeps rising: a leak, or a task holding too much.' },
  { id: 'task-failure-rate', type: 'task_failure_rate', severity: 'warning', for: 0, threshold: 10, window: 900, minRuns: 20, description: 'Too many runs of a task fail.' },
  { id: 'task-retries-exhausted', type: 'task_retries_exhausted', severity: 'warning', for: 0, threshold: 0, window: 900, description: 'A task retried and still failed: its work is lost unless someone acts.' },
  { id: 'task-stuck', type: 'task_stuck', severity: 'warning', for: 0, threshold: 1_800, factor: 10, description: 'A task has been running far longer than its kind usually takes.' },
  { id: 'eta-pileup', type: 'eta_pileup', severity: 'warning', for: 300, threshold: 10_000, description: 'Workers hold many ETA/countdown tasks in memory (they are acked late and re-delivered if a worker dies).' },
  { id: 'unacked-overdue', type: 'unacked_overdue', severity: 'warning', for: 0, threshold: 0, description: 'Messages have been unacked longer than the visibility timeout: they will be delivered again and may run twice.' },
  { id: 'events-silent', type: 'events_silent', severity: 'critical', for: 0, threshold: 120, description: 'Workers are online but no event arrived: events are disabled (-E) or Trellis cannot hear them.' },
  { id: 'collector-gap', type: 'collector_gap', severity: 'warning', for: 0, window: 900, description: 'Trellis could not observe events for a while: history has a hole.' },
  { id: 'discovery-incomplete', type: 'discovery_incomplete', severity: 'info', for: 1_800, description: 'Queue discovery has not covered the whole broker keyspace yet: a queue may be missing.' },
];

export function defaultRules(): Rule[] {
  return DEFAULTS.map((d) => ({
    threshold: 0,
    window: 900,
    factor: 1,
    minRuns: 1,
    ...d,
    enabled: true,
    scope: {},
    channels: null,
  }));
}

export const DEFAULT_RULE_TYPES: ReadonlySet<RuleType> = new Set(DEFAULTS.map((d) => d.type));
