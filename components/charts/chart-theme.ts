// Shared Recharts styling: axis ticks, grid and tooltip take their colours from the CSS design
// tokens, so every chart follows light and dark mode.
export const chartTick = { fill: 'var(--muted)', fontSize: 11 };
export const chartGrid = { stroke: 'var(--border)', strokeDasharray: '3 3', vertical: false } as const;
export const tooltipStyle = { background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)', fontSize: 12 };
export const clockLabel = (t: number) => new Date(t * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
