import 'server-only';
import { AppError } from '@/lib/errors';
import type { Principal } from '../auth/authenticate';
import { revokeTasks, RevokeRequestSchema, type RevokePreview } from '../actions/revoke-tasks';
import type { TrellisContext } from '../context';

// POST /api/task/revoke/{id} (`terminate`, `signal`): Trellis' revoke of one task — the broadcast
// with each worker's reply, the waiting message removed, the revoke kept durable, audited — under
// Flower's answer. A task already final is skipped: Flower broadcasts anyway, to no effect, and
// answers 200, so this path answers Flower's message where the native endpoint says 409 (nothing
// is sent; the audit entry says why, as for the native endpoint).
// `dryRun` answers the revoke's own preview.

export interface FlowerRevokeForm {
  terminate: boolean;
  signal?: string | undefined;
  dryRun: boolean;
}

export async function flowerRevoke(caller: { ctx: TrellisContext; principal: Principal; requestId: string }, id: string, form: FlowerRevokeForm): Promise<{ message: string } | RevokePreview> {
  // Flower sends `signal` even without terminate (workers ignore it then); Trellis' revoke takes it only with terminate.
  const request = RevokeRequestSchema.parse({ ids: [id], terminate: form.terminate, dryRun: form.dryRun, ...(form.terminate && form.signal ? { signal: form.signal } : {}) });
  const out = await revokeTasks(caller.ctx, caller.principal, caller.requestId, request).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'CONFLICT' && !request.dryRun) return null; // already final
    throw err;
  });
  return out?.dryRun ? out : { message: `Revoked '${id}'` };
}
