import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { NodeNameSchema } from '@/lib/server/inspect/inspect';
import { controlWorker, WorkerControlBodySchema } from '@/lib/server/workers/control-worker';
import { WorkerControlCommandSchema, WorkerControlResultSchema } from '@/lib/schemas/worker-control';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ hostname: NodeNameSchema, command: WorkerControlCommandSchema });

// POST /api/v1/workers/{hostname}/control/{command} – one control command to one known worker (an
// audited action): its reply, or `no-reply`. 404 for a worker Trellis knows nothing of (nothing published).
export const POST = withRoute(
  {
    permission: 'workers:act',
    params: Params,
    body: WorkerControlBodySchema,
    doc: {
      summary: 'One control command to one worker (pool grow/shrink, autoscale, consumers, rate and time limits, events, pool restart, shutdown, ping): its reply or `no-reply`',
      description:
        'Arguments in the JSON body, by command: `pool_grow`/`pool_shrink` `{"n"}` (default 1); `autoscale` `{"max", "min"}`; `add_consumer` `{"queue", "exchange"?, "exchangeType"?, "routingKey"?}`; `cancel_consumer` `{"queue"}`; `rate_limit` `{"task", "rateLimit"}` ("10/s", "5/m", "100/h"; null or 0 removes it); `time_limit` `{"task", "soft"?, "hard"?}` (seconds, null removes); `pool_restart` `{"modules"?, "reload"?}` (the worker needs `worker_pool_restarts`); `ping`, `enable_events`, `disable_events`, `shutdown` `{}`. A worker never answers `shutdown` (its `worker-offline` event says it stopped). Audited as `workers.<command>`; 403 `READ_ONLY` in read-only mode.',
      response: WorkerControlResultSchema,
    },
  },
  ({ ctx, params, body, principal, requestId }) => controlWorker({ ctx, principal, requestId, hostname: params.hostname, command: params.command, body }),
);
