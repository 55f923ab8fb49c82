import { withRoute } from '@/lib/server/http/handler';
import { listAudit } from '@/lib/server/actions/audit-log';
import { AuditQuerySchema } from '@/lib/schemas/audit';
import { AuditPageSchema } from '@/lib/schemas/responses/audit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/audit – the audit log, newest first, filtered by actor, action, target, outcome and time.
export const GET = withRoute(
  { permission: 'audit:read', query: AuditQuerySchema, doc: { summary: 'The audit log, newest first: every action with who, when, target, parameters, outcome and worker replies', response: AuditPageSchema } },
  ({ ctx, query }) => listAudit(ctx, query),
);
