import 'server-only';
import { z } from 'zod';
import { TaskNameSchema } from '../celery/control';
import { withRoute } from '../http/handler';
import { FlowerPublishedSchema } from '@/lib/schemas/responses/flower';
import { flowerPublish, FlowerPublishSchema, type PublishMode } from './publish';

// The route handler of Flower's three publish paths (they differ only in the name check and in
// apply's wait for the result): tasks:act, the task name from the path, Flower's JSON body.

export function publishRoute(mode: PublishMode, summary: string) {
  return withRoute(
    { permission: 'tasks:act', params: z.object({ name: TaskNameSchema }), body: FlowerPublishSchema, doc: { summary, response: FlowerPublishedSchema } },
    ({ ctx, principal, requestId, params, body }) => flowerPublish({ ctx, principal, requestId }, mode, params.name, body),
  );
}
