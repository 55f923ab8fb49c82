import 'server-only';
import { z } from 'zod';
import type { ControlCommand } from '../celery/control';
import { NodeNameSchema, TaskNameSchema } from '../celery/control';
import { withRoute } from '../http/handler';
import { FlowerMessageSchema } from '@/lib/schemas/responses/flower';
import { looseBool } from './params';
import { assertKnownTaskName, flowerControl } from './control';

// The route handler of one Flower control path, so each app/api/... file only says what differs:
// the command, the form fields it reads and Flower's sentences. Worker paths take the worker from
// the path; task paths (rate-limit, timeout) take the task name from it and `workername` from the
// form. All are worker control (workers:act, audited as `workers.<command>`), as the native endpoint.

const DryRun = z.object({ dryRun: looseBool.describe('Trellis addition: validate and show the message, send nothing') });

interface WorkerPath<F extends z.ZodRawShape> {
  summary: string;
  command: ControlCommand;
  fields: F;
  args: (form: z.output<z.ZodObject<F>>) => Record<string, unknown>;
  ok: (worker: string, form: z.output<z.ZodObject<F>>, reply: string) => string;
  refused: (worker: string, form: z.output<z.ZodObject<F>>, reason: string) => string;
}

export function workerControlRoute<F extends z.ZodRawShape>(p: WorkerPath<F>) {
  const Form = z.object(p.fields).extend(DryRun.shape);
  return withRoute(
    { permission: 'workers:act', params: z.object({ hostname: NodeNameSchema }), form: Form, doc: { summary: p.summary, response: FlowerMessageSchema } },
    ({ ctx, principal, requestId, params, body }) => {
      const form = body as z.output<z.ZodObject<F>> & { dryRun: boolean };
      return flowerControl(
        { ctx, principal, requestId },
        {
          action: `workers.${p.command}`,
          command: p.command,
          args: p.args(form),
          worker: params.hostname,
          ok: (reply) => p.ok(params.hostname, form, reply),
          refused: (reason) => p.refused(params.hostname, form, reason),
          dryRun: form.dryRun,
        },
      );
    },
  );
}

interface TaskPath<F extends z.ZodRawShape> {
  summary: string;
  command: ControlCommand;
  fields: F;
  args: (task: string, form: z.output<z.ZodObject<F>>) => Record<string, unknown>;
  /** Flower's sentence for a refusal. */
  refused: (reason: string) => string;
}

export function taskControlRoute<F extends z.ZodRawShape>(p: TaskPath<F>) {
  const Form = z.object(p.fields).extend({ workername: NodeNameSchema.optional().describe('one worker; every worker when absent') }).extend(DryRun.shape);
  return withRoute(
    { permission: 'workers:act', params: z.object({ name: TaskNameSchema }), form: Form, doc: { summary: p.summary, response: FlowerMessageSchema } },
    async ({ ctx, principal, requestId, params, body }) => {
      const form = body as z.output<z.ZodObject<F>> & { dryRun: boolean; workername?: string };
      await assertKnownTaskName(ctx, params.name);
      return flowerControl(
        { ctx, principal, requestId },
        {
          action: `workers.${p.command}`,
          command: p.command,
          args: p.args(params.name, form),
          worker: form.workername ?? null,
          ok: (reply) => reply,
          refused: p.refused,
          dryRun: form.dryRun,
        },
      );
    },
  );
}
