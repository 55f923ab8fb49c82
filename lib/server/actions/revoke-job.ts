import 'server-only';
import type { LeaderJobDefinition, LeaderScope } from '../collector/leader-job';
import { recheck } from '../collector/reconcile';
import { isFinalState } from '../celery/states';
import { logger } from '../logger';
import { listWorkers } from '../workers/list-workers';
import { classifyDurable, forgetDurable, listDurableRevokes, resendDurableRevokes } from './revoke-durable';

// The durable revokes' leader job (ADR 0023), in the collecting process, which learns first of a
// worker coming online (its worker-online event and heartbeats land in the workers hash):
// - every CHECK_MS: a worker process not seen online before (new hostname, or a new pid after a
//   restart) gets every durable revoke, addressed to it alone;
// - every RESEND_MS (2 h, before the workers' 3-hour expiry): all of them to every worker;
// - every PRUNE_MS, and as soon as new ids arrive: ids final in the store, or final in the result
//   backend (recorded then as reconciled events), are dropped.
// While the set is empty, the workers online are only remembered: a revoke is broadcast to them.

const CHECK_MS = 2_000;
export const RESEND_MS = 2 * 3_600_000;
const PRUNE_MS = 60_000;

export interface RevokeJobStatus {
  lastResendAt: number | null;
  lastPruneAt: number | null;
}

export const durableRevokeJob: LeaderJobDefinition = {
  name: 'durable revokes',
  start(scope) {
    /** hostname → pid of each worker process the durable revokes were sent to. */
    const served = new Map<string, number | null>();
    let lastResend = Date.now();
    let lastPrune = 0;
    let running: Promise<void> | null = null;
    let lastSize = 0;
    const step = async () => {
      const size = await scope.ctx.store.zcard(scope.ctx.keys.revokes);
      const online = (await listWorkers(scope.ctx)).filter((w) => w.status === 'online');
      if (size === 0) {
        // Nothing to send: the next revoke is broadcast to the workers online now.
        for (const w of online) served.set(w.hostname, w.pid);
        lastSize = 0;
        return;
      }
      // New revokes are reconciled at once (a removed message's REVOKED shows in the store within seconds).
      if (size !== lastSize || Date.now() - lastPrune >= (scope.options.revokePruneMs ?? PRUNE_MS)) {
        lastPrune = Date.now();
        await pruneDurable(scope);
      }
      lastSize = await scope.ctx.store.zcard(scope.ctx.keys.revokes);
      if (Date.now() - lastResend >= (scope.options.revokeResendMs ?? RESEND_MS)) {
        lastResend = Date.now();
        const r = await resendDurableRevokes(scope.ctx, null);
        logger.info({ ids: r.ids, workers: r.replies.length }, 'durable revokes sent again to every worker');
      }
      const fresh = online.filter((w) => !served.has(w.hostname) || served.get(w.hostname) !== w.pid);
      for (const w of online) served.set(w.hostname, w.pid);
      if (fresh.length === 0) return;
      const r = await resendDurableRevokes(
        scope.ctx,
        fresh.map((w) => w.hostname),
      );
      logger.info({ ids: r.ids, workers: fresh.map((w) => w.hostname) }, 'durable revokes sent to workers that came online');
    };
    const timer = setInterval(() => {
      if (running) return;
      running = step()
        .catch((err: unknown) => logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'durable revoke step failed'))
        .finally(() => (running = null));
    }, scope.options.revokeCheckMs ?? CHECK_MS);
    return {
      async stop() {
        clearInterval(timer);
        await running;
      },
    };
  },
};

/** Drops the ids that are final in the store or, per the result backend, final unseen. */
async function pruneDurable(scope: LeaderScope): Promise<void> {
  const { ctx } = scope;
  const nowS = Date.now() / 1000;
  const { done, open } = await classifyDurable(ctx, await listDurableRevokes(ctx), nowS);
  const checked = await recheck(ctx, open, nowS);
  if (checked.events.size > 0) scope.addEvents(checked.events);
  const finalInBackend = [...checked.events].filter(([, evs]) => evs.some((e) => typeof e.state === 'string' && isFinalState(e.state))).map(([id]) => id);
  const drop = [...done, ...finalInBackend];
  if (drop.length > 0) await forgetDurable(ctx, drop);
}
