import { z } from 'zod';
import { withRoute } from '@/lib/server/http/handler';
import { readWorkflow } from '@/lib/server/workflows/read-workflow';
import { WorkflowSchema } from '@/lib/schemas/responses/workflows';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

const Params = z.object({ rootId: z.string().min(1).max(200) });

// GET /api/v1/workflows/{rootId} – the workflow under a root task, as it really ran. It carries no
// arguments, results or exceptions (only ids, names, states and times), so nothing is redacted.
export const GET = withRoute(
  { permission: 'tasks:read', params: Params, doc: { summary: 'One workflow: its tasks, groups and chords (with callback fate), edges, state, start, end and critical path', response: WorkflowSchema } },
  ({ ctx, params }) => readWorkflow(ctx, params.rootId),
);
