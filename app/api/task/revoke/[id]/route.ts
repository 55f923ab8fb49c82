import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { looseBool } from '@/lib/server/flower/params';
import { flowerRevoke } from '@/lib/server/flower/revoke';
import { FlowerRevokeSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ id: z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'task ids are printable ASCII') });
const Form = z.object({
  terminate: looseBool.describe('also stop the task if it is running'),
  signal: z.string().max(10).optional().describe('with terminate: SIGTERM (default), SIGKILL, …'),
  dryRun: looseBool.describe("Trellis addition: the revoke's preview, nothing sent"),
});

// POST /api/task/revoke/{id} – Flower-compatible: Trellis' revoke of one task (durable, waiting message removed), Flower's answer.
export const POST = withRoute({ permission: 'tasks:act', params: Params, form: Form, doc: { summary: 'Flower-compatible: revoke (or terminate) a task', response: FlowerRevokeSchema } }, ({ ctx, principal, requestId, params, body }) =>
  flowerRevoke({ ctx, principal, requestId }, params.id, body),
);
