import { z } from 'zod';
import { SEVERITIES } from './notification';

// An incident: one rule's condition holding for one subject, from the first cycle it held until
// it stopped holding. Active incidents (pending, firing) live in one store hash by dedup key;
// resolved ones move to the history (kept 90 days). The timeline records every step.

export const TIMELINE_LIMIT = 50;

export const TimelineEntrySchema = z.object({
  at: z.number(),
  event: z.enum(['pending', 'firing', 'repeat', 'acknowledged', 'silenced', 'unsilenced', 'resolved', 'notified', 'notify-failed']),
  note: z.string().optional(),
  value: z.number().nullable().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntrySchema>;

export const IncidentSchema = z.object({
  id: z.string(),
  dedupKey: z.string(),
  ruleId: z.string(),
  ruleType: z.string(),
  severity: z.enum(SEVERITIES),
  subject: z.string(),
  labels: z.record(z.string(), z.string()),
  state: z.enum(['pending', 'firing', 'resolved']),
  /** When the condition first held. */
  since: z.number(),
  firedAt: z.number().nullable(),
  resolvedAt: z.number().nullable(),
  /** Last cycle the condition held. */
  lastSeenAt: z.number(),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  /** Highest value while active. */
  peak: z.number().nullable(),
  summary: z.string(),
  details: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
  path: z.string(),
  /** Last firing/repeat notification sent (null: none yet). */
  notifiedAt: z.number().nullable(),
  acknowledged: z.object({ by: z.string(), at: z.number(), note: z.string().optional() }).nullable(),
  /** Id of the silence that matched it last cycle. */
  silencedBy: z.string().nullable(),
  timeline: z.array(TimelineEntrySchema),
});
export type Incident = z.infer<typeof IncidentSchema>;

export function parseIncident(raw: string): Incident | null {
  try {
    const parsed = IncidentSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function addTimeline(incident: Incident, entry: TimelineEntry): void {
  incident.timeline.push(entry);
  if (incident.timeline.length > TIMELINE_LIMIT) incident.timeline.splice(1, incident.timeline.length - TIMELINE_LIMIT);
}
