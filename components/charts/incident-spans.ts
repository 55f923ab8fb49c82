// Incident spans for the charts (pure): when each incident fired until it resolved (or now), clipped
// to the chart's time range; incidents that never fired (pending, then gone) draw nothing.

export interface SpanSource {
  id: string;
  ruleId: string;
  severity: 'critical' | 'warning' | 'info';
  firedAt: number | null;
  resolvedAt: number | null;
}

export interface IncidentSpan {
  id: string;
  from: number;
  to: number;
  severity: SpanSource['severity'];
  label: string;
}

export function incidentSpans(incidents: readonly SpanSource[], range: { from: number; to: number }): IncidentSpan[] {
  const spans: IncidentSpan[] = [];
  for (const i of incidents) {
    if (i.firedAt === null) continue;
    const from = Math.max(i.firedAt, range.from);
    const to = Math.min(i.resolvedAt ?? range.to, range.to);
    if (to <= from) continue;
    spans.push({ id: i.id, from, to, severity: i.severity, label: i.ruleId });
  }
  return spans.sort((a, b) => a.from - b.from);
}

/** The fill of a span by severity (CSS design tokens, both themes). */
export const SPAN_FILL: Record<IncidentSpan['severity'], string> = { critical: 'var(--bad)', warning: 'var(--warn)', info: 'var(--info)' };

/** Epoch seconds `seconds` ago: where a chart's range starts (server pages render once per request). */
export const rangeStart = (seconds: number) => Date.now() / 1000 - seconds;
