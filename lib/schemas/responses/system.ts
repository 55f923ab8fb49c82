import { z } from 'zod';

// Response shapes of the broker, inspection, sign-in and Flower-compatible endpoints. Their
// payloads come from Redis INFO and from Celery workers' replies, so only the frame is fixed.

export const BrokerHealthSchema = z.looseObject({
  redisVersion: z.string().nullable(),
  uptimeSeconds: z.number().nullable(),
  usedMemoryBytes: z.number().nullable(),
  maxMemoryBytes: z.number().nullable(),
  maxMemoryPolicy: z.string().nullable().describe('null when CONFIG is disabled (managed Redis)'),
  brokerDbKeys: z.number().int(),
  warnings: z.array(z.string()),
});

export const InspectReplySchema = z.looseObject({}).describe('the worker\'s reply (redacted), or {"status": "no-reply"}');

export const FlowerWorkersSchema = z
  .record(z.string(), z.looseObject({}))
  .describe('hostname → {stats, active_queues, registered, scheduled, active, reserved, revoked, conf, timestamp}, as Flower answers');

export const WhoAmISchema = z.object({
  principal: z.looseObject({ id: z.string(), kind: z.string(), name: z.string(), role: z.enum(['viewer', 'operator', 'admin']) }).nullable(),
  mode: z.enum(['none', 'password', 'oidc']),
});

export const SignedOutSchema = z.object({
  signedOut: z.boolean(),
  endSessionUrl: z.string().nullable().describe("single sign-on: the provider's end-session URL, where the browser goes next to end the provider's session too"),
});

export const OpenApiDocumentSchema = z.looseObject({ openapi: z.string() }).describe('this document');
