'use client';

import { CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { chartGrid, chartTick as tick, tooltipStyle } from '@/components/charts/chart-theme';

const clock = (t: number) => new Date(t * 1000).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

/** Queue depth over time (max within each bucket dashed, so short spikes stay visible). */
export function DepthChart({ points }: { points: Array<{ t: number; depth: number; maxDepth: number }> }) {
  return (
    <div className="h-56" role="img" aria-label="Queue depth over time">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid {...chartGrid} />
          <XAxis dataKey="t" tickFormatter={clock} tick={tick} minTickGap={60} />
          <YAxis tick={tick} allowDecimals={false} />
          <Tooltip labelFormatter={(t) => clock(Number(t))} contentStyle={tooltipStyle} />
          <Line type="monotone" dataKey="depth" stroke="var(--chart-4)" dot={false} isAnimationActive={false} />
          <Line type="monotone" dataKey="maxDepth" stroke="var(--chart-3)" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}

/** A tiny depth sparkline for the queues table. */
export function DepthSparkline({ values }: { values: number[] }) {
  const max = Math.max(1, ...values);
  const pts = values.map((v, i) => `${(i / Math.max(1, values.length - 1)) * 80},${18 - (v / max) * 16}`).join(' ');
  return (
    <svg width="80" height="18" aria-hidden className="overflow-visible">
      <polyline points={pts} fill="none" stroke="var(--accent)" strokeWidth="1.5" />
    </svg>
  );
}
