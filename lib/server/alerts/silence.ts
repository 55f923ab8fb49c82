import { z } from 'zod';
import { matchesAny } from './evaluate/observation';

// A silence mutes notifications of the incidents it matches (by rule and/or label globs) until it
// expires. Incidents still open, fire and resolve: they are shown as silenced, nobody is paged.

export const SilenceMatchSchema = z
  .object({
    rule: z.string().min(1).optional(),
    labels: z.record(z.string().regex(/^(queue|worker|task)$/, 'label must be queue, worker or task'), z.string().min(1)).optional(),
  })
  .strict()
  .refine((m) => m.rule !== undefined || Object.keys(m.labels ?? {}).length > 0, 'a silence needs a rule or at least one label to match');

export const SilenceSchema = z.object({
  id: z.string(),
  match: SilenceMatchSchema,
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
});
export type Silence = z.infer<typeof SilenceSchema>;

export function parseSilence(raw: string): Silence | null {
  try {
    const parsed = SilenceSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function silences(silence: Silence, incident: { ruleId: string; labels: Record<string, string> }, now: number): boolean {
  if (silence.expiresAt <= now) return false;
  if (silence.match.rule !== undefined && !matchesAny([silence.match.rule], incident.ruleId)) return false;
  return Object.entries(silence.match.labels ?? {}).every(([label, glob]) => matchesAny([glob], incident.labels[label]));
}
