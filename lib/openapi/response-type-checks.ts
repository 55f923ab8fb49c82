import type { z } from 'zod';
import type { HealthView, TaskDetailView, TaskPage, TaskSummary, WorkerView } from '@/lib/schemas/api';
import type { IncidentView, SilenceView } from '@/lib/server/alerts/alerts-api';
import type { TokenView } from '@/lib/server/auth/tokens';
import type { PeekPage, QueueDetail, QueueView } from '@/lib/server/queues/types';
import type { ArchiveView } from '@/lib/server/queue-actions/archive';
import type { ArchiveSchema } from '@/lib/schemas/responses/queue-actions';
import type { Throughput } from '@/lib/server/stats/throughput';
import type { WorkerDetail } from '@/lib/server/workers/list-workers';
import type { IncidentViewSchema, SilenceViewSchema } from './alert-responses';
import type { PeekPageSchema, QueueDetailSchema, QueueSchema } from '@/lib/schemas/responses/queues';
import type { TaskDetailSchema, TaskPageSchema, TaskSummarySchema, ThroughputSchema } from '@/lib/schemas/responses/tasks';
import type { WorkflowSchema } from '@/lib/schemas/responses/workflows';
import type { WorkflowModel } from '@/lib/server/workflows/types';
import type { TokenSchema } from '@/lib/schemas/responses/tokens';
import type { HealthSchema, WorkerDetailSchema, WorkerSchema } from '@/lib/schemas/responses/workers';

// Compile-time proof that the response schemas (the OpenAPI document) describe exactly what the
// domain functions return: `tsc` fails here when a TS type and its schema drift apart.

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Out<S extends z.ZodType> = z.output<S>;

export const responseSchemasMatchTypes: [
  Same<Out<typeof TaskSummarySchema>, TaskSummary>,
  Same<Out<typeof TaskPageSchema>, TaskPage>,
  Same<Out<typeof TaskDetailSchema>, TaskDetailView>,
  Same<Out<typeof WorkflowSchema>, WorkflowModel & { truncated: boolean }>,
  Same<Out<typeof ThroughputSchema>, Throughput>,
  Same<Out<typeof WorkerSchema>, WorkerView>,
  Same<Out<typeof WorkerDetailSchema>, WorkerDetail>,
  Same<Out<typeof HealthSchema>, HealthView>,
  Same<Out<typeof QueueSchema>, QueueView>,
  Same<Out<typeof QueueDetailSchema>, QueueDetail>,
  Same<Out<typeof PeekPageSchema>, PeekPage>,
  Same<Out<typeof TokenSchema>, TokenView>,
  Same<Out<typeof IncidentViewSchema>, IncidentView>,
  Same<Out<typeof SilenceViewSchema>, SilenceView>,
  Same<Out<typeof ArchiveSchema>, ArchiveView>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
