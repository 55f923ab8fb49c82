'use client';

import { CartesianGrid, Line, LineChart, ReferenceArea, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chartGrid, chartTick as tick, tooltipStyle } from '@/components/charts/chart-theme';
import { SPAN_FILL, type IncidentSpan } from '@/components/charts/incident-spans';

const clock = (t: number) => new Date(t * 1000).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** A history point; null depths are a period nobody observed (no collector): drawn as a break, never bridged. */
export interface DepthPoint {
  t: number;
  depth: number | null;
  maxDepth: number | null;
}

/** A backlog rule's threshold drawn across the chart. */
export interface DepthThreshold {
  rule: string;
  value: number;
}

/** Queue depth over time (max within each bucket dashed, so short spikes stay visible), with the
 *  backlog thresholds that apply to the queue and the spans of its incidents shaded behind. */
export function DepthChart({ points, thresholds = [], spans = [] }: { points: DepthPoint[]; thresholds?: DepthThreshold[]; spans?: IncidentSpan[] }) {
  // A threshold far above the data would flatten the line: drawn only when the depth came near it.
  const peak = Math.max(0, ...points.map((p) => p.maxDepth ?? p.depth ?? 0));
  const label = ['Queue depth over time', ...thresholds.map((t) => `threshold ${t.value} (${t.rule})`), spans.length ? `${spans.length} incident span${spans.length > 1 ? 's' : ''}` : ''].filter(Boolean).join(', ');
  return (
    <div className="h-56" role="img" aria-label={label} data-incident-spans={spans.length} data-thresholds={thresholds.map((t) => t.value).join(' ')}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid {...chartGrid} />
          <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} tickFormatter={clock} tick={tick} minTickGap={60} />
          <YAxis tick={tick} allowDecimals={false} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} contentStyle={tooltipStyle} />
          {spans.map((s) => (
            <ReferenceArea key={s.id} x1={s.from} x2={s.to} fill={SPAN_FILL[s.severity]} fillOpacity={0.12} stroke="none" ifOverflow="extendDomain" />
          ))}
          {thresholds.map((t) => (
            <ReferenceLine key={t.rule} y={t.value} stroke="var(--warn)" strokeDasharray="6 4" ifOverflow={t.value <= peak * 2 ? 'extendDomain' : 'discard'} label={{ value: `${t.rule} > ${t.value}`, position: 'insideTopRight', fill: 'var(--muted)', fontSize: 11 }} />
          ))}
          <Line type="monotone" dataKey="depth" stroke="var(--chart-4)" dot={false} connectNulls={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="maxDepth" stroke="var(--chart-3)" strokeDasharray="4 3" dot={false} connectNulls={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** Runs of consecutive observed values, with their index (a null ends a run). */
export function observedRuns(values: ReadonlyArray<number | null>): Array<Array<{ i: number; v: number }>> {
  const runs: Array<Array<{ i: number; v: number }>> = [];
  let run: Array<{ i: number; v: number }> = [];
  values.forEach((v, i) => {
    if (v === null) {
      if (run.length) runs.push(run);
      run = [];
    } else run.push({ i, v });
  });
  if (run.length) runs.push(run);
  return runs;
}

/** A tiny depth sparkline for the queues table; an unobserved period (null) is a break. */
export function DepthSparkline({ values }: { values: ReadonlyArray<number | null> }) {
  const max = Math.max(1, ...values.map((v) => v ?? 0));
  const x = (i: number) => (i / Math.max(1, values.length - 1)) * 80;
  return (
    <svg width="80" height="18" aria-hidden className="overflow-visible">
      {observedRuns(values).map((run) => (
        <polyline key={run[0]?.i} points={run.map((p) => `${x(p.i)},${18 - (p.v / max) * 16}`).join(' ')} fill="none" stroke="var(--accent)" strokeWidth="1.5" />
      ))}
    </svg>
  );
}
