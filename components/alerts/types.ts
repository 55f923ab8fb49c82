// The shapes the Alerts UI renders, as the alerts API serves them (GET /api/v1/alerts, /rules,
// /silences). Declared here because UI code does not import server modules; the server pages pass
// the domain's objects, which TypeScript checks against these.

export type Severity = 'critical' | 'warning' | 'info';
export type IncidentStatus = 'pending' | 'firing' | 'acknowledged' | 'silenced' | 'resolved';
export const SUBJECT_LABELS = ['queue', 'worker', 'task'] as const;

export interface IncidentItem {
  id: string;
  ruleId: string;
  ruleType: string;
  severity: Severity;
  subject: string;
  labels: Record<string, string>;
  status: IncidentStatus;
  since: number;
  firedAt: number | null;
  resolvedAt: number | null;
  lastSeenAt: number;
  value: number | null;
  threshold: number | null;
  peak: number | null;
  summary: string;
  details: Record<string, number | string | null>;
  path: string;
  acknowledged: { by: string; at: number; note?: string } | null;
  silencedBy: string | null;
  timeline: Array<{ at: number; event: string; note?: string; value?: number | null }>;
}

export type RuleParam = 'threshold' | 'window' | 'factor' | 'minRuns';

export interface RuleItem {
  id: string;
  type: string;
  enabled: boolean;
  severity: Severity;
  for: number;
  threshold: number;
  window: number;
  factor: number;
  minRuns: number;
  scope: Partial<Record<(typeof SUBJECT_LABELS)[number], string[]>>;
  description: string;
  subject: string;
  params: Partial<Record<RuleParam, string>>;
  routedTo: string[];
  active: number;
  firing: number;
}

export interface ChannelItem {
  type: string;
  id: string;
  name: string | null;
  targets: string[];
  to?: string[];
}

export interface SilenceItem {
  id: string;
  match: { rule?: string; labels?: Record<string, string> };
  reason: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  active: boolean;
  matching: number;
}

export interface EvaluatorCycle {
  at: number;
  durationMs: number;
  rules: number;
  errors: Array<{ rule: string; error: string }>;
}
