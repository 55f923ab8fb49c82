// What a task action offered by the task page and the bulk-selection bar is: plain data (passed from
// server pages to client components). Every such action is a POST taking `{ids}`, `{filter}` or
// `{previewId}` with `dryRun`, whose dry run answers at least `{count, previewId}`.

export interface TaskActionSpec {
  /** e.g. "revoke", "terminate", "retry". */
  id: string;
  /** The button's text ("Revoke"). */
  label: string;
  /** The endpoint (POST). */
  url: string;
  /** Fixed body fields (e.g. `{terminate: true}`). */
  extra?: Record<string, unknown>;
  /** Ask for a signal (terminate). */
  signal?: boolean;
  /** One sentence the confirmation shows about what the action does. */
  explain: string;
}

export const SIGNALS = ['TERM', 'KILL', 'INT', 'HUP', 'QUIT', 'USR1', 'USR2'] as const;

export const REVOKE_ACTIONS: TaskActionSpec[] = [
  {
    id: 'revoke',
    label: 'Revoke',
    url: '/api/v1/tasks/revoke',
    explain: 'Tasks waiting in a queue are removed from it; the others are discarded by the worker that holds them. Running tasks keep running.',
  },
  {
    id: 'terminate',
    label: 'Terminate',
    url: '/api/v1/tasks/revoke',
    extra: { terminate: true },
    signal: true,
    explain: 'Revokes, and stops running tasks with the chosen signal (prefork pool).',
  },
];

/** A task list filter as the API takes it (the page's URL filters without paging). */
export type TaskFilterBody = Record<string, string | string[] | number>;

export type TaskSelection = { ids: string[] } | { filter: TaskFilterBody };

/** The bulk bar's form: the task table's row checkboxes join it with the `form` attribute. */
export const BULK_FORM_ID = 'task-bulk-actions';
