// What a notification channel delivers: one message about one incident. Built by the incident
// engine (lib/server/alerts/incidents.ts), rendered per channel (lib/server/alerts/channels/).

export const SEVERITIES = ['critical', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface AlertNotification {
  /** firing: the incident started firing; repeat: still firing after the repeat interval;
   *  acknowledged: an operator acknowledged it; resolved: it is over; test: a test-send. */
  kind: 'firing' | 'repeat' | 'acknowledged' | 'resolved' | 'test';
  /** Stable per incident: the same rule on the same subject (PagerDuty dedup_key, Alertmanager labels). */
  dedupKey: string;
  incidentId: string;
  /** Rule id (e.g. "queue-no-consumer") and its type. */
  ruleId: string;
  ruleType: string;
  severity: Severity;
  /** One line, e.g. "Queue emails has 1,204 waiting messages and no consumer". */
  summary: string;
  /** A few lines: the numbers that fired it, the threshold, since when. */
  description: string;
  /** The subject: e.g. { queue: "emails" }, { worker: "w1@host" }, { task: "app.send" }. */
  labels: Record<string, string>;
  /** The measured value and the threshold it crossed (null when the rule has no single number). */
  value: number | null;
  threshold: number | null;
  /** Epoch seconds: when the condition started (pending), and when it ended (resolved only). */
  startsAt: number;
  endsAt: number | null;
  /** Absolute link to the Trellis view that explains it (TRELLIS_PUBLIC_URL + path). */
  url: string;
  /** Who acknowledged, for kind "acknowledged". */
  acknowledgedBy?: string;
}
