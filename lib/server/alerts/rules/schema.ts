import { z } from 'zod';
import { DurationField } from './duration-field';
import { SEVERITIES } from '../notification';
import { RULE_TYPES } from './rule-types';

// The alerts file's rules (TRELLIS_ALERTS_FILE, YAML or JSON). A rule with the id of a default rule
// overrides the fields it gives; a new id adds a rule. Unknown fields are errors (a typo silently
// ignored is an alert that never fires).

const Globs = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export const ScopeSchema = z
  .object({ queue: Globs.optional(), task: Globs.optional(), worker: Globs.optional() })
  .strict();

export const RuleOverrideSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, _ and - (e.g. "emails-backlog")'),
    type: z.enum(RULE_TYPES).optional(),
    enabled: z.boolean().optional(),
    severity: z.enum(SEVERITIES).optional(),
    for: DurationField.optional(),
    threshold: z.number().nonnegative().optional(),
    window: DurationField.optional(),
    factor: z.number().positive().optional(),
    minRuns: z.number().int().positive().optional(),
    scope: ScopeSchema.optional(),
    /** Channel ids; when given, replaces the routes for this rule. */
    channels: z.array(z.string()).optional(),
    description: z.string().max(500).optional(),
  })
  .strict();

export type RuleOverride = z.output<typeof RuleOverrideSchema>;
export type Scope = z.output<typeof ScopeSchema>;

export interface Rule {
  id: string;
  type: (typeof RULE_TYPES)[number];
  enabled: boolean;
  severity: (typeof SEVERITIES)[number];
  /** Seconds the condition must hold before the incident fires (pending until then). */
  for: number;
  threshold: number;
  window: number;
  factor: number;
  minRuns: number;
  scope: Scope;
  channels: string[] | null;
  description: string;
}

/** Routing: which channels receive which incidents (first matching route wins; a rule's own `channels` come first). */
export const RouteSchema = z
  .object({
    severity: z.array(z.enum(SEVERITIES)).optional(),
    rules: Globs.optional(),
    channels: z.array(z.string()).min(1),
  })
  .strict();
export type Route = z.output<typeof RouteSchema>;
