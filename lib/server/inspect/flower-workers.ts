import 'server-only';
import type { InspectCommand } from '../celery/control';
import type { TrellisContext } from '../context';
import { FULL_VIEW, hidePayload, type RedactView } from '../redaction';
import { listWorkers } from '../workers/list-workers';
import { inspectWorker, type InspectAllResult } from './inspect';
import { CACHED_ARGS, inspectAllCached } from './inspect-cache';

// Flower's GET /api/workers, same shape: hostname → {stats, active_queues, registered, scheduled,
// active, reserved, revoked, conf, timestamp}; `status=true` gives hostname → alive (from
// heartbeats); `workername` narrows to one worker: 404 when Trellis knows nothing of it (no record,
// no remembered reply; nothing is published then), as Flower answers 404 only for unknown workers
// (a busy solo worker that cannot answer gets `{"<name>": {}}`). Workers that did not answer a command simply lack that key, as in Flower.

const FLOWER_METHODS: readonly InspectCommand[] = ['stats', 'active_queues', 'registered', 'scheduled', 'active', 'reserved', 'revoked', 'conf'];

export type FlowerWorkers = Record<string, Record<string, unknown>>;

export async function flowerWorkers(
  ctx: TrellisContext,
  opts: { refresh?: boolean; status?: boolean; workername?: string },
  view: RedactView = FULL_VIEW,
): Promise<FlowerWorkers | Record<string, boolean>> {
  if (opts.status) {
    const workers = await listWorkers(ctx);
    return Object.fromEntries(workers.map((w) => [w.hostname, w.status === 'online']));
  }
  const out: FlowerWorkers = {};
  const now = Date.now() / 1000;
  const put = (host: string, method: InspectCommand, reply: unknown) => {
    out[host] ??= {};
    out[host][method] = view.hideArgs ? hidePayload(reply) : reply; // a viewer under TRELLIS_HIDE_ARGS sees no task arguments
    out[host].timestamp = now;
  };
  if (opts.workername) {
    const host = opts.workername;
    const replies = await Promise.all(FLOWER_METHODS.map((m) => inspectWorker(ctx, host, m, CACHED_ARGS[m]))); // 404 for an unknown worker
    for (const r of replies) if (r.status === 'ok') put(host, r.command, r.reply);
    return { [host]: out[host] ?? {} };
  }
  const all: InspectAllResult[] = await Promise.all(FLOWER_METHODS.map((m) => inspectAllCached(ctx, m, { fresh: opts.refresh })));
  for (const res of all) for (const r of Object.values(res.workers)) if (r.status === 'ok') put(r.hostname, res.command, r.reply);
  return out;
}
