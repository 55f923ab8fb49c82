// Response shapes of the REST API, shared by route handlers, the UI and tests (no server imports).
// Times are epoch seconds (floats) as Celery sends them; the UI formats them.

export interface TaskEventView {
  type: string;
  /** Sender's clock (epoch s). */
  timestamp: number | null;
  /** When Trellis received it (epoch s). */
  localReceived: number;
  hostname: string | null;
  /** Every other field of the event (args, result, exception, traceback, …). */
  fields: Record<string, unknown>;
  /** Set on events Trellis inferred rather than observed (e.g. reconciled from the result backend). */
  inferred?: boolean;
}

export interface TaskAttempt {
  /** Celery's `retries` for this run (0 = first). */
  retries: number;
  worker: string | null;
  received: number | null;
  started: number | null;
  ended: number | null;
  eta: string | null;
  outcome: 'running' | 'waiting' | 'succeeded' | 'failed' | 'retried' | 'revoked' | 'rejected' | 'cancelled' | 'unknown';
  exception: string | null;
  traceback: string | null;
  /** Seconds between received and started. */
  waited: number | null;
  /** Seconds the attempt ran (Celery's runtime when known). */
  ran: number | null;
}

export interface TaskSummary {
  id: string;
  name: string | null;
  state: string;
  worker: string | null;
  queue: string | null;
  rootId: string | null;
  parentId: string | null;
  retries: number;
  args: string | null;
  kwargs: string | null;
  result: string | null;
  exception: string | null;
  eta: string | null;
  expires: string | null;
  firstSeen: number;
  lastUpdate: number;
  sent: number | null;
  received: number | null;
  started: number | null;
  ended: number | null;
  runtime: number | null;
}

export interface BackendMeta {
  status: string;
  result: unknown;
  traceback: string | null;
  children: string[];
  dateDone: string | null;
  /** result_extended / other fields as stored. */
  extra: Record<string, unknown>;
}

/** A member of a group or chord header, with its state (result backend, else Trellis' record). */
export interface GroupMember {
  id: string;
  state: string;
}

/**
 * A chord's callback (body). `waiting`: header tasks still to join; `not-run`: every header task
 * joined but one failed, so Celery marks the body FAILURE (ChordError) without running it; `sent`:
 * the callback task was found in the workflow (the one task outside the group, sent after every
 * member finished, whose parent is a member or the members' parent); `unknown` otherwise.
 */
export interface ChordCallback {
  status: 'waiting' | 'not-run' | 'sent' | 'unknown';
  id: string | null;
  name: string | null;
  state: string | null;
  /** Its result as Celery's events report it (repr string). */
  result: string | null;
}

/** Progress of a group or chord header present in the task's workflow (protocol doc §7.3). */
export interface WorkflowGroup {
  /** The group id (`group_id` in its members' result meta). */
  id: string;
  /** A chord header: its join keys exist in the backend, or its callback was found. */
  chord: boolean;
  /**
   * Where the numbers come from: `chord-join` — the chord's `.j`/`.s`/`.t` keys (exact while the
   * header runs; Celery deletes them once the callback is sent); `saved-group` — a saved
   * `celery-taskset-meta-<id>` (GroupResult.save()); `members` — only the members Trellis knows.
   */
  source: 'chord-join' | 'saved-group' | 'members';
  /** Members in the group when truly known (chord size `.s` + `.t`, or the saved list), else null. */
  size: number | null;
  /** Finished members: joined into `.j` (chord), or in SUCCESS/FAILURE/REVOKED (known members). */
  done: number;
  /** Of `done`: SUCCESS, and the rest (FAILURE, REVOKED); null when not all joined entries were read. */
  succeeded: number | null;
  failed: number | null;
  /** Members known (ids from `.j`, the saved group and the workflow), at most 100. */
  members: GroupMember[];
  /** How many members are known in all (`members` may be cut short). */
  membersKnown: number;
  /** Null for a plain group. */
  callback: ChordCallback | null;
}

export interface TaskDetail extends TaskSummary {
  traceback: string | null;
  exchange: string | null;
  routingKey: string | null;
  clientHostname: string | null;
  revoked: { terminated: boolean; signum: number | string | null; expired: boolean } | null;
  events: TaskEventView[];
  attempts: TaskAttempt[];
  /** Events dropped because the per-task history cap was reached. */
  eventsTruncated: number;
  backend: BackendMeta | null;
  /** Operator actions on the task (revoke requested, retried as, purged…), oldest first. */
  actions: TaskActionNote[];
  /** New ids this task was retried as (POST /api/v1/tasks/retry), oldest first. */
  retriedAs: string[];
  /** The task this one is a retry of, when Trellis published it as a retry. */
  retryOf: string | null;
}

export interface TaskActionNote {
  at: number;
  action: string;
  by: string;
  auditId: string | null;
  detail: string | null;
  relatedId: string | null;
}

/** GET /api/v1/tasks/{id}: the task detail with the progress of its workflow's groups and chords. */
export interface TaskDetailView extends TaskDetail {
  /** The task's own group (its result meta's `group_id`), if any. */
  groupId: string | null;
  /** Groups and chords of the workflow (the task's own first), at most 20. */
  groups: WorkflowGroup[];
}

export interface TaskPage {
  items: TaskSummary[];
  nextCursor: string | null;
}

export type WorkerStatus = 'online' | 'offline' | 'lost';

export interface WorkerView {
  hostname: string;
  status: WorkerStatus;
  pid: number | null;
  freq: number | null;
  lastHeartbeat: number | null;
  /** Seconds since the last heartbeat was received. */
  heartbeatAge: number | null;
  active: number | null;
  processed: number | null;
  loadavg: number[] | null;
  swIdent: string | null;
  swVer: string | null;
  swSys: string | null;
  onlineSince: number | null;
  offlineAt: number | null;
  restarts: number;
  previousPid: number | null;
  /** Two processes with this hostname sent heartbeats recently (duplicate node names). */
  duplicatePids: number[];
}

export interface Gap {
  start: number;
  end: number | null;
  reason: string;
  reconciled?: { checked: number; updated: number } | null;
}

export interface HealthView {
  status: 'ok' | 'degraded' | 'down';
  redis: { store: boolean; broker: boolean; backend: boolean };
  collector: {
    thisProcess: boolean;
    holder: string | null;
    running: boolean;
    eventsPerSecond: number;
    lagSeconds: { p50: number | null; p99: number | null };
    eventsTotal: number;
    malformedTotal: number;
    ignoredTotal: number;
    lastEventAt: number | null;
    lastFlushAt: number | null;
    /** Event messages read from the broker and not yet stored (bounded by TRELLIS_INGEST_BACKLOG). */
    backlog: {
      bytes: number;
      messages: number;
      /** Seconds the oldest waiting message has waited (null when none waits). */
      ageSeconds: number | null;
      peakBytes: number;
      limitBytes: number | null;
      /** Messages dropped since the collector started because the backlog was full (each drop is in a gap). */
      droppedMessages: number;
    };
  };
  gaps: Gap[];
}

/** Published by the collector on the store's updates channel after each flush; fanned out over SSE. */
export interface UpdateNotice {
  /** Collector flush time (epoch s). */
  at: number;
  /** Tasks whose record changed in this flush (summaries, capped; `more` counts the rest). */
  tasks: TaskSummary[];
  more: number;
  /** Hostnames of workers whose record changed. */
  workers: string[];
}

/** Per-minute counters as stored (field names of the minute hash). */
export const COUNTER_METRICS = ['sent', 'received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected'] as const;
export type CounterMetric = (typeof COUNTER_METRICS)[number];
