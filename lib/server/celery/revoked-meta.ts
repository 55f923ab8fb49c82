import { decodeResultMeta } from './result-meta';

// The result-backend record of a revoked task (protocol doc §7.2), as a 5.2 worker writes it when it
// discards a revoked message: Trellis writes it for the messages it removes from a queue itself,
// which no worker will ever see (Celery ≥ 5.6.2 writes it at revoke time for every id). Pure.

export function encodeRevokedMeta(taskId: string, nowMs: number): string {
  const meta = {
    status: 'REVOKED',
    result: { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' },
    traceback: null,
    children: [],
    // Naive UTC, as Celery ≤ 5.4 writes it (readers accept both forms, §7.2).
    date_done: new Date(nowMs).toISOString().replace(/Z$/, '000'),
    task_id: taskId,
  };
  const text = JSON.stringify(meta);
  const back = decodeResultMeta(text);
  if (back?.status !== 'REVOKED' || back.extra.task_id !== taskId) throw new Error('revoked meta does not decode as REVOKED');
  return text;
}
