import 'server-only';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import type { Principal } from '../auth/authenticate';
import { logger } from '../logger';
import { appendAudit, type AuditOutcome } from './audit-log';

// Every operator action goes through runAction: refused in read-only mode, audited whatever its
// outcome (ok, partial, failed, refused) with who, what, target, parameters, preview count, result,
// worker replies and request id. Dry runs are not actions: they change nothing and are not audited.

export interface ActionRequest {
  ctx: TrellisContext;
  principal: Principal;
  requestId: string | null;
  /** `<area>.<verb>`: tasks.revoke, queues.purge, workers.pool_grow, … */
  action: string;
  target: string;
  params: Record<string, unknown>;
  previewCount?: number | null;
}

export interface ActionDone<T> {
  value: T;
  outcome?: Extract<AuditOutcome, 'ok' | 'partial' | 'failed'>;
  /** What the audit entry records as the result (counts, new ids, archive id). */
  result?: Record<string, unknown>;
  replies?: Record<string, unknown>;
}

/** Throws 403 READ_ONLY when TRELLIS_READ_ONLY is set. */
export function assertWritable(ctx: TrellisContext): void {
  if (ctx.config.readOnly) throw new AppError('READ_ONLY', 'Trellis runs read-only (TRELLIS_READ_ONLY): actions are disabled');
}

export async function runAction<T>(req: ActionRequest, act: () => Promise<ActionDone<T>>): Promise<T & { auditId: string }> {
  const base = {
    at: Date.now() / 1000,
    actor: { id: req.principal.id, kind: req.principal.kind, name: req.principal.name, role: req.principal.role },
    action: req.action,
    target: req.target,
    params: req.params,
    previewCount: req.previewCount ?? null,
    requestId: req.requestId,
  };
  try {
    assertWritable(req.ctx);
  } catch (err) {
    await appendAudit(req.ctx, { ...base, outcome: 'refused', result: {}, replies: {}, error: (err as Error).message });
    throw err;
  }
  let done: ActionDone<T>;
  try {
    done = await act();
  } catch (err) {
    const message = err instanceof AppError ? err.message : 'the action failed';
    if (!(err instanceof AppError)) logger.error({ err: (err as Error).message, action: req.action }, 'action failed');
    await appendAudit(req.ctx, { ...base, outcome: 'failed', result: {}, replies: {}, error: message }).catch(() => undefined);
    throw err;
  }
  const record = await appendAudit(req.ctx, { ...base, outcome: done.outcome ?? 'ok', result: done.result ?? {}, replies: done.replies ?? {}, error: null });
  return { ...(done.value as T), auditId: record.id };
}
