import { withRoute } from '@/lib/server/http/handler';
import { verifyAudit } from '@/lib/server/actions/audit-log';
import { AuditVerificationSchema } from '@/lib/schemas/responses/audit';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/audit/verify – recomputes the hash chain: an edited, inserted or removed entry breaks it.
export const GET = withRoute(
  { permission: 'audit:read', doc: { summary: "Verifies the audit log's hash chain; names the first entry that breaks it", response: AuditVerificationSchema } },
  ({ ctx }) => verifyAudit(ctx),
);
