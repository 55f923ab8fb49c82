import 'server-only';
import { AppError } from '@/lib/errors';
import type { BackendMeta } from '@/lib/schemas/api';
import { readBackendMeta } from '../backend/read-backend-meta';
import { exceptionText } from '../celery/result-meta';
import type { TrellisContext } from '../context';
import { FULL_VIEW, redactBackendMeta, redactorFor, type RedactView } from '../redaction';

// GET /api/task/result/{id}[?timeout=s]: the result backend's state (PENDING when it has no meta),
// with the result once the task is ready (SUCCESS, FAILURE, REVOKED: Celery's READY_STATES) and the
// traceback of a failure. With a timeout it waits for readiness, reading the meta every POLL_MS,
// as long as Flower's result.get(timeout) would; not ready by then is 504 (Flower: 500).

const READY = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
const POLL_MS = 250;
/** The longest wait one request may ask for. */
export const MAX_RESULT_TIMEOUT_SECONDS = 60;

export interface FlowerResult {
  'task-id': string;
  state: string;
  result?: unknown;
  traceback?: string | null;
}

export async function flowerTaskResult(ctx: TrellisContext, id: string, timeoutSeconds: number | undefined, view: RedactView = FULL_VIEW): Promise<FlowerResult> {
  const deadline = Date.now() + Math.min(timeoutSeconds ?? 0, MAX_RESULT_TIMEOUT_SECONDS) * 1000;
  let meta = await readBackendMeta(ctx, id);
  while (timeoutSeconds && !(meta && READY.has(meta.status))) {
    if (Date.now() >= deadline) throw new AppError('TIMEOUT', `task ${id} was not ready within ${timeoutSeconds} s`);
    await new Promise((r) => setTimeout(r, POLL_MS));
    meta = await readBackendMeta(ctx, id);
  }
  if (!meta) return { 'task-id': id, state: 'PENDING' };
  const shown = redactBackendMeta(meta, redactorFor(ctx.config), view);
  if (!READY.has(shown.status)) return { 'task-id': id, state: shown.status };
  return shown.status === 'FAILURE'
    ? { 'task-id': id, state: shown.status, result: resultOf(shown), traceback: shown.traceback }
    : { 'task-id': id, state: shown.status, result: resultOf(shown) };
}

/** An exception as Python's repr (what Flower's safe_result writes for it), any other value as stored. */
function resultOf(meta: BackendMeta): unknown {
  return exceptionText(meta.result) ?? meta.result;
}
