// Formatting for the Alerts UI (pure).

/** A rule's or an incident's duration: "immediately", "45 s", "5 min", "4 h", "2 d". */
export function formatSpan(seconds: number): string {
  if (seconds <= 0) return 'immediately';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5_400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${+(seconds / 3600).toFixed(1)} h`;
  return `${+(seconds / 86_400).toFixed(1)} d`;
}

export function formatValue(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 2 }) : v;
}

/** "Silence like this": the Silences tab with a new silence prefilled for the rule and subject. */
export function silenceLikeHref(i: { ruleId: string; labels: Record<string, string> }, labels: readonly string[]): string {
  const q = new URLSearchParams({ tab: 'silences', rule: i.ruleId });
  for (const l of labels) {
    const v = i.labels[l];
    if (v !== undefined) q.set(l, v);
  }
  return `/alerts?${q}#new-silence`;
}
