'use client';

import { Area, AreaChart, CartesianGrid, Legend, Line, LineChart, ReferenceArea, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatDuration } from '@/lib/format';
import type { ThroughputRow } from '@/lib/chart-series';
import { chartGrid, chartTick as tick, clockLabel as clock, tooltipStyle } from './chart-theme';
import { SPAN_FILL, type IncidentSpan } from './incident-spans';

// Recharts behind small wrappers; colours come from the CSS design tokens so both themes work.


/** Stacked outcomes per minute, with the spans of failure, retries-exhausted and gap incidents shaded. */
export function ThroughputChart({ rows, spans = [] }: { rows: ThroughputRow[]; spans?: IncidentSpan[] }) {
  const label = `Succeeded, failed and retried tasks per minute${spans.length ? `, ${spans.length} incident span${spans.length > 1 ? 's' : ''}: ${[...new Set(spans.map((s) => s.label))].join(', ')}` : ''}`;
  return (
    <div className="h-56" role="img" aria-label={label} data-incident-spans={spans.length}>
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid {...chartGrid} />
          <XAxis dataKey="t" type="number" domain={['dataMin', 'dataMax']} tickFormatter={clock} tick={tick} minTickGap={40} />
          <YAxis tick={tick} allowDecimals={false} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} contentStyle={tooltipStyle} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {spans.map((s) => (
            <ReferenceArea key={s.id} x1={s.from} x2={s.to} fill={SPAN_FILL[s.severity]} fillOpacity={0.12} stroke="none" ifOverflow="extendDomain" />
          ))}
          <Area type="monotone" dataKey="succeeded" stackId="1" stroke="var(--chart-1)" fill="var(--chart-1)" fillOpacity={0.25} isAnimationActive={false} />
          <Area type="monotone" dataKey="failed" stackId="1" stroke="var(--chart-2)" fill="var(--chart-2)" fillOpacity={0.35} isAnimationActive={false} />
          <Area type="monotone" dataKey="retried" stackId="1" stroke="var(--chart-3)" fill="var(--chart-3)" fillOpacity={0.35} isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}

export function RuntimeChart({ rows }: { rows: Array<{ t: number; p50: number | null; p95: number | null }> }) {
  return (
    <div className="h-56" role="img" aria-label="Task runtime p50 and p95 per minute">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: -8 }}>
          <CartesianGrid {...chartGrid} />
          <XAxis dataKey="t" tickFormatter={clock} tick={tick} minTickGap={40} />
          <YAxis tick={tick} tickFormatter={(v: number) => formatDuration(v)} width={64} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} formatter={(v) => formatDuration(Number(v))} contentStyle={tooltipStyle} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line type="monotone" dataKey="p50" stroke="var(--chart-4)" dot={false} connectNulls isAnimationActive={false} />
          <Line type="monotone" dataKey="p95" stroke="var(--chart-3)" dot={false} connectNulls isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
