import type { RuleType } from '../rules/rule-types';
import type { Evaluator } from './observation';
import { etaPileup, queueBacklog, queueGrowing, queueImbalance, queueNoConsumer, queueOldestAge, unackedOverdue } from './queues';
import { collectorGap, discoveryIncomplete, eventsSilent } from './system';
import { taskFailureRate, taskRetriesExhausted, taskStuck } from './tasks';
import { workerLoadSkew, workerLost, workerMemoryGrowth, workerOffline } from './workers';

export const EVALUATORS: Record<RuleType, Evaluator> = {
  queue_backlog: queueBacklog,
  queue_oldest_age: queueOldestAge,
  queue_no_consumer: queueNoConsumer,
  queue_imbalance: queueImbalance,
  queue_growing: queueGrowing,
  worker_lost: workerLost,
  worker_offline: workerOffline,
  worker_load_skew: workerLoadSkew,
  worker_memory_growth: workerMemoryGrowth,
  task_failure_rate: taskFailureRate,
  task_retries_exhausted: taskRetriesExhausted,
  task_stuck: taskStuck,
  eta_pileup: etaPileup,
  unacked_overdue: unackedOverdue,
  events_silent: eventsSilent,
  collector_gap: collectorGap,
  discovery_incomplete: discoveryIncomplete,
};
