import { withRoute } from '@/lib/server/http/handler';
import { brokerHealth } from '@/lib/server/broker/broker-health';
import { BrokerHealthSchema } from '@/lib/schemas/responses/system';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

// GET /api/v1/broker – Redis memory, eviction policy, clients, CPU and the size of Trellis' store.
export const GET = withRoute({ permission: 'broker:read', doc: { summary: "Redis memory, eviction policy, clients, CPU and the size of Trellis' store", response: BrokerHealthSchema } }, ({ ctx }) => brokerHealth(ctx));
