import Link from 'next/link';

export const ALERT_TABS = [
  ['firing', 'Firing'],
  ['acknowledged', 'Acknowledged'],
  ['pending', 'Pending'],
  ['silenced', 'Silenced'],
  ['resolved', 'Resolved'],
  ['rules', 'Rules'],
  ['silences', 'Silences'],
] as const;
export type AlertTab = (typeof ALERT_TABS)[number][0];

/** The Alerts page's views as links (the tab is in the URL, so every view can be shared). */
export function AlertTabs({ current, counts, href }: { current: AlertTab; counts: Partial<Record<AlertTab, number>>; href: (tab: AlertTab) => string }) {
  return (
    <nav aria-label="Alert views" className="flex flex-wrap gap-1 border-b border-border text-sm">
      {ALERT_TABS.map(([tab, label]) => (
        <Link
          key={tab}
          href={href(tab)}
          aria-current={tab === current ? 'page' : undefined}
          className={`-mb-px rounded-t border-b-2 px-3 py-1.5 ${tab === current ? 'border-accent font-medium text-text' : 'border-transparent text-muted hover:text-text'}`}
        >
          {label}
          {counts[tab] !== undefined && <span className="ml-1 tabular-nums text-muted">({counts[tab]})</span>}
        </Link>
      ))}
    </nav>
  );
}
