import 'server-only';
import { AppError } from '@/lib/errors';
import type { Principal } from '../auth/authenticate';
import { parseCommandArguments, type ControlCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { runAction } from '../actions/run-action';
import { knownWorker } from '../inspect/inspect';
import { repliesForAudit, sendControl } from '../workers/send-control';

// Flower's control paths (worker pool, consumers, shutdown; task rate limit and time limits):
// the command goes through sendControl inside runAction, so it is refused in read-only mode and
// audited with each worker's reply, exactly as Trellis' own control endpoint. The answer keeps
// Flower's shape: 200 {"message"} when the worker said ok, else 403 with Flower's sentence.
// `dryRun` (a Trellis addition) validates and shows the message that would be sent.

export interface FlowerCaller {
  ctx: TrellisContext;
  principal: Principal;
  requestId: string;
}

export interface FlowerCommand {
  /** Audit action: `workers.pool_grow`, `tasks.rate_limit`, … */
  action: string;
  command: ControlCommand;
  args: Record<string, unknown>;
  /** One worker, or null for every worker. */
  worker: string | null;
  /** The message on success, from the worker's `ok` text. */
  ok: (reply: string) => string;
  /** Flower's sentence for a refusal, from the worker's error (or its silence). */
  refused: (reason: string) => string;
  dryRun?: boolean;
}

export interface FlowerDryRun {
  dryRun: true;
  command: ControlCommand;
  arguments: Record<string, unknown>;
  destination: string[] | null;
}

/** Flower answers 404 for a worker it does not know (it has never seen it). */
export async function assertKnownWorker(ctx: TrellisContext, worker: string): Promise<void> {
  if (!(await knownWorker(ctx, worker))) throw new AppError('NOT_FOUND', `Unknown worker '${worker}'`);
}

/** Flower answers 404 for a task name it does not know; Trellis knows the names it saw in events. */
export async function assertKnownTaskName(ctx: TrellisContext, name: string): Promise<void> {
  if (!(await ctx.store.sismember(ctx.keys.registry('name'), name))) throw new AppError('NOT_FOUND', `Unknown task '${name}'`);
}

export async function flowerControl(caller: FlowerCaller, c: FlowerCommand): Promise<{ message: string } | FlowerDryRun> {
  const args = parseCommandArguments(c.command, c.args);
  if (c.worker) await assertKnownWorker(caller.ctx, c.worker);
  const destination = c.worker ? [c.worker] : null;
  if (c.dryRun) return { dryRun: true, command: c.command, arguments: args, destination };
  const done = await runAction(
    { ctx: caller.ctx, principal: caller.principal, requestId: caller.requestId, action: c.action, target: c.worker ?? '*', params: args },
    async () => {
      const out = await sendControl(caller.ctx, c.command, args, destination);
      const ok = out.replies.find((r) => r.status === 'ok');
      const bad = out.replies.find((r) => r.status !== 'ok');
      const accepted = c.command === 'shutdown' || (ok !== undefined && (c.worker === null || bad === undefined));
      const reason = bad?.status === 'error' ? (bad.error ?? 'Unknown reason') : 'no reply';
      const message = accepted ? c.ok(typeof ok?.reply === 'string' ? ok.reply : 'ok') : c.refused(reason);
      return { value: { accepted, message }, outcome: accepted ? (bad && c.command !== 'shutdown' ? 'partial' : 'ok') : 'failed', replies: repliesForAudit(out), result: { message } };
    },
  );
  if (!done.accepted) throw new AppError('WORKER_REFUSED', done.message);
  return { message: done.message };
}
