// Celery task states and their precedence (celery.states, protocol doc §5.6). Pure.

export const TASK_STATES = ['PENDING', 'RECEIVED', 'STARTED', 'SUCCESS', 'FAILURE', 'RETRY', 'REVOKED', 'REJECTED'] as const;
export type KnownTaskState = (typeof TASK_STATES)[number];
/** Known states, or a custom one (an unknown event type upper-cased, e.g. CANCELLED, or update_state). */
export type TaskState = KnownTaskState | (string & {});

export const FINAL_STATES: ReadonlySet<string> = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED', 'CANCELLED']);
export const isFinalState = (state: string): boolean => FINAL_STATES.has(state);

// Highest first; `null` stands for any custom state (Celery's PRECEDENCE list).
const PRECEDENCE: ReadonlyArray<string | null> = ['SUCCESS', 'FAILURE', null, 'REVOKED', 'STARTED', 'RECEIVED', 'REJECTED', 'RETRY', 'PENDING'];
const CUSTOM_RANK = PRECEDENCE.indexOf(null);

/** Lower number = higher precedence, as in celery.states.precedence. */
export function precedence(state: string): number {
  const i = PRECEDENCE.indexOf(state);
  return i === -1 ? CUSTOM_RANK : i;
}

const EVENT_TO_STATE: Record<string, KnownTaskState> = {
  'task-sent': 'PENDING',
  'task-received': 'RECEIVED',
  'task-started': 'STARTED',
  'task-succeeded': 'SUCCESS',
  'task-failed': 'FAILURE',
  'task-retried': 'RETRY',
  'task-revoked': 'REVOKED',
  'task-rejected': 'REJECTED',
};

/** `task-cancelled` and other unknown task events become custom states, as Celery's State does. */
export function stateForEvent(type: string): TaskState {
  return EVENT_TO_STATE[type] ?? type.replace(/^task-/, '').toUpperCase();
}

/** Fields an out-of-order (older) RECEIVED may still contribute (Celery's merge_rules). */
export const RECEIVED_MERGE_FIELDS = ['name', 'args', 'kwargs', 'parent_id', 'root_id', 'retries', 'eta', 'expires'] as const;

/**
 * Whether an incoming state replaces the current one. An incoming state that logically happened
 * before the current one (lower precedence, neither being RETRY) only fills in fields.
 */
export function replacesState(current: string | undefined, incoming: string): boolean {
  if (current === undefined) return true;
  if (incoming === 'RETRY' || current === 'RETRY') return true;
  return precedence(incoming) <= precedence(current);
}
