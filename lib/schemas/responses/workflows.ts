import { z } from 'zod';

// Response shape of GET /api/v1/workflows/{rootId} (lib/server/workflows/types.ts WorkflowModel;
// lib/openapi/response-type-checks.ts proves they match).

const epoch = z.number().describe('epoch seconds');
const maybeEpoch = epoch.nullable();

const WorkflowTaskSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  state: z.string(),
  parentId: z.string().nullable(),
  groupId: z.string().nullable().describe("the group or chord header it belongs to (its result meta's group_id)"),
  sent: maybeEpoch,
  started: maybeEpoch,
  ended: maybeEpoch,
  lastUpdate: epoch,
});

const WorkflowGroupSchema = z.object({
  id: z.string(),
  kind: z.enum(['group', 'chord']),
  evidence: z.enum(['chord-keys', 'results-tree', 'saved-nested', 'members']).describe('what says it is a chord (members: nothing does)'),
  size: z.number().int().describe('chord size (.s + .t) while its keys exist, else the members known'),
  sizeKnown: z.boolean(),
  done: z.number().int().describe('members in a final state, never above size'),
  members: z.array(z.string()).describe("exactly the tasks whose result meta names this group"),
  callback: z
    .object({
      id: z.string().nullable(),
      fate: z.enum(['waiting', 'sent', 'ran', 'will-not-run', 'unknown']),
      why: z.string().nullable(),
    })
    .nullable()
    .describe('null for a plain group'),
});

export const WorkflowSchema = z
  .object({
    rootId: z.string(),
    tasks: z.array(WorkflowTaskSchema),
    groups: z.array(WorkflowGroupSchema),
    edges: z.array(z.object({ from: z.string(), to: z.string(), kind: z.enum(['parent', 'chord']) })),
    state: z.object({ status: z.enum(['running', 'succeeded', 'failed', 'stuck']), at: z.string().nullable() }),
    start: maybeEpoch,
    end: maybeEpoch,
    criticalPath: z.array(z.string()),
    truncated: z.boolean().describe('the workflow has more tasks than one answer reads'),
  })
  .meta({ id: 'Workflow' });
