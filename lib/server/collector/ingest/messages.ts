import type { WorkerEvent } from '../../celery/events';
import type { RedisTarget } from '../../redis/url';
import type { StoredEvent } from '../../tasks/stored-event';

// What the ingest thread and the collector say to each other (structured-cloned plain objects).

export interface IngestThreadConfig {
  broker: RedisTarget;
  /** The broker's event channel pattern (PSUBSCRIBE). */
  pattern: string;
  backlogLimitBytes: number;
}

/** Decoded events of up to a few hundred messages, in arrival order. */
export interface IngestBatch {
  type: 'batch';
  tasks: Array<[taskId: string, event: StoredEvent]>;
  workers: WorkerEvent[];
  /** Raw bytes these events arrived as (the collector bounds its own buffer by this). */
  bytes: number;
  messages: number;
  ignored: number;
  malformed: number;
  malformedSamples: Array<{ detail: string; head: string }>;
  lastReceivedAt: number | null;
}

export interface IngestStatus {
  type: 'status';
  listening: boolean;
  backlogBytes: number;
  backlogMessages: number;
  backlogPeakBytes: number;
  backlogLimitBytes: number;
  /** When the oldest message still waiting in the backlog was read. */
  backlogOldestAt: number | null;
  droppedMessages: number;
}

export type FromThread =
  | IngestBatch
  | IngestStatus
  | { type: 'down'; at: number }
  | { type: 'up'; at: number; reason: string | null }
  /** Messages dropped because the backlog was full, between `start` and `end`. */
  | { type: 'overflow'; start: number; end: number; dropped: number }
  | { type: 'drained' };

export type ToThread =
  /** This process now collects: subscribe (the thread is started ahead, so a takeover is quick). */
  | { type: 'listen' }
  /** The collector took a batch: the thread may send one more. */
  | { type: 'ack' }
  /** Stop listening; send what is left, then say `drained` (the thread stays, ready to listen again). */
  | { type: 'drain' };
