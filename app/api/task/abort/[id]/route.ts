import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { flowerAbort } from '@/lib/server/flower/abort';
import { looseBool } from '@/lib/server/flower/params';
import { FlowerMessageSchema } from '@/lib/schemas/responses/flower';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Form = z.object({ dryRun: looseBool.describe('Trellis addition: change nothing, show what would be done') });
const Params = z.object({ id: z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, 'task ids are printable ASCII') });

// POST /api/task/abort/{id} – Flower-compatible: mark the task ABORTED in the result backend (an AbortableTask stops itself).
export const POST = withRoute({ permission: 'tasks:act', params: Params, form: Form, doc: { summary: 'Flower-compatible: abort a task (AbortableTask)', response: FlowerMessageSchema } }, ({ ctx, principal, requestId, params, body }) =>
  flowerAbort({ ctx, principal, requestId }, params.id, body.dryRun),
);
