// Response shapes of the queue endpoints. Types only (no runtime code), so the lead can move them
// to lib/schemas/ for the UI unchanged.

import type { QueueMessageView } from '../celery/queue-message';

export interface BandDepth {
  /** Priority step (0 = highest priority on Redis). */
  step: number;
  depth: number;
}

export interface QueueRates {
  /** Messages pushed per second over the window. */
  inPerSecond: number;
  /** Messages taken per second over the window. */
  outPerSecond: number;
  windowSeconds: number;
  /** The counts are lower bounds (the sampler could not see every push, e.g. a band drained and refilled). */
  lowerBound: boolean;
  /** Epoch seconds of the newest sample used. */
  at: number;
}

export type AgeSource = 'sent' | 'first-seen' | 'unknown';

export interface QueueView {
  name: string;
  /** Waiting messages: the sum of LLEN over every priority band. */
  depth: number;
  bands: BandDepth[];
  /** Workers consuming it (from `inspect active_queues`). */
  consumers: string[];
  /** Among consumers: workers that did not answer this time (a solo worker running a task) and are
   *  not offline, counted from their last `active_queues` reply (kept 10 minutes). */
  busyConsumers: string[];
  /** Delivered to a worker, not yet acked (from the `unacked` hash, by routing key). */
  unacked: number;
  /** Among unacked: ETA/countdown tasks a worker holds (`inspect scheduled`). */
  scheduled: number;
  /** Prefetched by a worker, not running yet (`inspect reserved`). */
  reserved: number;
  rates: QueueRates | null;
  /** Seconds until empty at the current net rate; 0 when empty; null when not draining or unknown. */
  drainSeconds: number | null;
  /** Age of the next message to run; null when empty or unknown. */
  oldestAgeSeconds: number | null;
  oldestAgeSource: AgeSource | null;
  /** Where Trellis learnt of the queue. */
  sources: Array<'worker' | 'binding' | 'config' | 'history'>;
  /** Empty with no consumer for a day (hidden unless `all=true`). */
  stale: boolean;
  firstSeen: number | null;
  lastNonEmpty: number | null;
  lastConsumer: number | null;
}

export interface UnackedSummary {
  /** HLEN unacked (cluster-wide). */
  total: number;
  scanned: number;
  /** The scan stopped at its cap: per-queue counts cover `scanned` of `total` entries. */
  capped: boolean;
  /** Entries that map to no listed queue (undecodable, no binding matches, or a queue Trellis has not discovered). */
  unmapped: number;
  /** Entries delivered longer ago than the visibility timeout (TRELLIS_VISIBILITY_TIMEOUT): re-delivered, may run twice. */
  overdue: number;
}

export interface QueueList {
  queues: QueueView[];
  /** Stale queues left out (0 with `all=true`). */
  hidden: number;
  unacked: UnackedSummary;
  /** Workers that did not answer inspect (their consumers/reserved/scheduled are missing). */
  noReply: string[];
  /** Whether discovery has covered the whole broker keyspace yet (queues known only by a binding may be missing until then). */
  discovery: DiscoveryStatus;
  /** Epoch seconds the collecting process measured this list; null when it has not yet (no collector ran): the list is then empty. */
  sampledAt: number | null;
  /** Epoch seconds of this response. */
  at: number;
}

export interface DiscoveryStatus {
  /** 'complete' once a full SCAN pass of the broker DB has ended (the job keeps passing, resuming where it stopped). */
  status: 'complete' | 'incomplete';
  /** Epoch seconds the last full pass ended. */
  lastFullPassAt: number | null;
  lastPassSeconds: number | null;
  /** The pass under way (null between passes). */
  passStartedAt: number | null;
  /** Share of the keyspace the pass under way examined, an estimate below 1 (SCAN reports no position). */
  passProgress: number | null;
}

export interface QueuePoint {
  /** Epoch seconds (sample time, or the start of the minute/bucket). */
  t: number;
  depth: number;
  /** Highest depth in the bucket (equals depth for raw samples). */
  maxDepth: number;
  in: number;
  out: number;
}

/** A point in a period no collector (so no sampler) observed: nothing is known, charts draw a break. */
export interface UnobservedPoint {
  t: number;
  depth: null;
  maxDepth: null;
  in: null;
  out: null;
}

/** Stored samples, idle periods the sampler did not store as zero points, unobserved periods as nulls. */
export type HistoryPoint = QueuePoint | UnobservedPoint;

export interface QueueDetail extends QueueView {
  range: '1h' | '24h' | '7d';
  /** Seconds per point: the sampling interval (1h), 60 (24h) or 600 (7d). */
  resolution: number;
  history: HistoryPoint[];
  unackedSummary: UnackedSummary;
  noReply: string[];
  /** When the collecting process measured the live part of this view. */
  sampledAt: number;
  discovery: DiscoveryStatus;
  /** Epoch seconds of this response. */
  at: number;
}

export type PeekedMessage = Pick<
  QueueMessageView,
  'id' | 'task' | 'argsRepr' | 'kwargsRepr' | 'eta' | 'expires' | 'priority' | 'retries' | 'redelivered' | 'size' | 'protocol'
> & {
  /** 0 = next to run. */
  position: number;
  band: number;
  undecodable: string | null;
};

export interface PeekPage {
  queue: string;
  depth: number;
  offset: number;
  limit: number;
  items: PeekedMessage[];
  /** Offset of the next page, null at the end. Positions shift as workers consume. */
  nextOffset: number | null;
}
