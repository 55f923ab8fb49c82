import 'server-only';
import type { AlertNotification } from '../notification';

// Wording shared by the human-readable channels (Slack, e-mail), so they say the same thing.

const STATE: Record<AlertNotification['kind'], string> = {
  firing: 'FIRING',
  repeat: 'FIRING',
  acknowledged: 'ACKNOWLEDGED',
  resolved: 'RESOLVED',
  test: 'TEST',
};

export const stateWord = (n: AlertNotification): string => STATE[n.kind];

/** "[FIRING] [critical] Queue emails has 1,204 waiting messages and no consumer" */
export const headline = (n: AlertNotification): string => `[${stateWord(n)}] [${n.severity}] ${n.summary}`;

export const isoTime = (epochSeconds: number): string => new Date(epochSeconds * 1000).toISOString();

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Facts as label/value pairs: severity, rule, subject labels, the number and threshold, times. */
export function facts(n: AlertNotification): [string, string][] {
  const out: [string, string][] = [
    ['Severity', n.severity],
    ['Rule', n.ruleId],
    ...Object.entries(n.labels).map(([k, v]): [string, string] => [k, v]),
  ];
  if (n.value !== null) out.push(['Value', String(n.value)]);
  if (n.threshold !== null) out.push(['Threshold', String(n.threshold)]);
  out.push(['Since', isoTime(n.startsAt)]);
  if (n.endsAt !== null) out.push(['Ended', isoTime(n.endsAt)]);
  if (n.acknowledgedBy !== undefined) out.push(['Acknowledged by', n.acknowledgedBy]);
  return out;
}
