// The rule types Trellis evaluates, and which parameters each one uses. Every rule in the alerts file
// names one type; the defaults (defaults.ts) configure one rule per type.

export const RULE_TYPES = [
  'queue_backlog',
  'queue_oldest_age',
  'queue_no_consumer',
  'queue_imbalance',
  'queue_growing',
  'worker_lost',
  'worker_offline',
  'worker_load_skew',
  'worker_memory_growth',
  'task_failure_rate',
  'task_retries_exhausted',
  'task_stuck',
  'eta_pileup',
  'unacked_overdue',
  'events_silent',
  'collector_gap',
  'discovery_incomplete',
] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** What a rule's subject is: its labels carry that key (queue, worker or task name), or none (cluster-wide). */
export const SUBJECT_OF: Record<RuleType, 'queue' | 'worker' | 'task' | 'cluster'> = {
  queue_backlog: 'queue',
  queue_oldest_age: 'queue',
  queue_no_consumer: 'queue',
  queue_imbalance: 'queue',
  queue_growing: 'queue',
  worker_lost: 'worker',
  worker_offline: 'worker',
  worker_load_skew: 'queue',
  worker_memory_growth: 'worker',
  task_failure_rate: 'task',
  task_retries_exhausted: 'task',
  task_stuck: 'task',
  eta_pileup: 'cluster',
  unacked_overdue: 'cluster',
  events_silent: 'cluster',
  collector_gap: 'cluster',
  discovery_incomplete: 'cluster',
};

/** The parameters a type reads, with a word on each (shown in the UI and API next to the rule). */
export const PARAMS_OF: Record<RuleType, Partial<Record<'threshold' | 'window' | 'factor' | 'minRuns', string>>> = {
  queue_backlog: { threshold: 'waiting messages' },
  queue_oldest_age: { threshold: 'seconds the next message has waited' },
  queue_no_consumer: { threshold: 'waiting messages (at least)' },
  queue_imbalance: { threshold: 'drain seconds (at least)', factor: '× the median drain time (or depth per consumer) of the queues sharing its workers' },
  queue_growing: { window: 'depth rose across this whole window while consumers were busy' },
  worker_lost: {},
  worker_offline: { window: 'open while the shutdown is at most this old' },
  worker_load_skew: { factor: 'busy share (0–1) at which a worker counts as saturated' },
  worker_memory_growth: { threshold: 'percent growth of maxrss', window: 'over this window' },
  task_failure_rate: { threshold: 'percent of runs failed', window: 'over this window', minRuns: 'runs (at least)' },
  task_retries_exhausted: { threshold: 'failures after retries (more than)', window: 'per window' },
  task_stuck: { threshold: 'seconds STARTED (at least)', factor: '× p99 runtime of its task name' },
  eta_pileup: { threshold: 'ETA/countdown tasks held by workers' },
  unacked_overdue: { threshold: 'messages unacked longer than the visibility timeout (more than)' },
  events_silent: { threshold: 'seconds without an event while workers are online' },
  collector_gap: { window: 'a gap ended or is open within this window' },
  discovery_incomplete: {},
};
