import { z } from 'zod';
import { RevokeResponseSchema } from './revoke';

// Answers of Flower's REST API paths, as Flower 2.1 writes them (tests/fixtures/flower holds the
// answers captured from a real Flower; docs/flower-compat.md lists every difference).

const time = z.number().nullable();
const text = z.string().nullable();

export const FlowerTaskSchema = z
  .object({
    uuid: z.string(),
    name: text,
    state: z.string(),
    received: time,
    sent: time,
    started: time,
    rejected: time,
    succeeded: time,
    failed: time,
    retried: time,
    revoked: time,
    args: text,
    kwargs: text,
    eta: text,
    expires: text,
    retries: z.number().int(),
    result: text.describe("the result's repr, as the task-succeeded event carries it"),
    exception: text,
    timestamp: time,
    runtime: time,
    traceback: text,
    exchange: text,
    routing_key: text,
    clock: z.number().int(),
    client: text,
    root: text,
    root_id: text,
    parent: text,
    parent_id: text,
    children: z.array(z.string()),
    worker: text,
  })
  .meta({ id: 'FlowerTask' });

export const FlowerTasksSchema = z.record(z.string(), FlowerTaskSchema).describe('task id → task, in the order asked for');
export const FlowerTaskTypesSchema = z.object({ 'task-types': z.array(z.string()) });
export const FlowerTaskResultSchema = z.object({
  'task-id': z.string(),
  state: z.string(),
  result: z.unknown().optional().describe('once ready: the value, or the exception as Python writes it'),
  traceback: z.string().nullable().optional(),
});

const FlowerDryRunSchema = z.object({
  dryRun: z.literal(true),
  command: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  destination: z.array(z.string()).nullable(),
});
export const FlowerMessageSchema = z.union([z.object({ message: z.string() }), FlowerDryRunSchema]).describe('{"message"} (Flower), or with dryRun=true the control message that would be sent');

export const FlowerPublishedSchema = z
  .union([
    z.object({
      'task-id': z.string(),
      state: z.string().optional(),
      result: z.unknown().optional().describe('apply only: the value, or the exception as Python writes it'),
      traceback: z.string().nullable().optional(),
    }),
    z.object({
      dryRun: z.literal(true),
      'task-id': z.string().describe('the id the message would carry'),
      name: z.string(),
      queue: z.string(),
      eta: z.string().nullable(),
      expires: z.string().nullable(),
      priority: z.number().int().nullable(),
    }),
  ])
  .describe('{"task-id", "state"} (apply: also "result", and "traceback" for a failure), or with dryRun the message that would be published');

export const FlowerRevokeSchema = z.union([z.object({ message: z.string() }), RevokeResponseSchema]).describe(`{"message": "Revoked '<id>'"}, or with dryRun the revoke's preview`);
