import Link from 'next/link';
import { TimeAgo } from '@/components/shell/time-mode';
import { AcknowledgeForm } from './acknowledge-form';
import { formatSpan, formatValue, silenceLikeHref } from './format';
import { IncidentStatusBadge, SeverityBadge } from './severity-badge';
import { SUBJECT_LABELS, type IncidentItem } from './types';

// One incident: what fired, for what, since when, the numbers that fired it, its timeline, and what
// the person on call can do about it.

function Numbers({ i }: { i: IncidentItem }) {
  const rows: Array<[string, string]> = [
    ['value', formatValue(i.value)],
    ['threshold', formatValue(i.threshold)],
    ['peak', formatValue(i.peak)],
    ...Object.entries(i.details).map(([k, v]): [string, string] => [k, formatValue(v)]),
  ];
  return (
    <dl className="grid grid-cols-[repeat(auto-fill,minmax(9rem,1fr))] gap-x-4 gap-y-1 text-xs" data-testid="incident-numbers">
      {rows.map(([k, v]) => (
        <div key={k} className="flex gap-1">
          <dt className="text-muted">{k}</dt>
          <dd className="font-mono tabular-nums">{v}</dd>
        </div>
      ))}
    </dl>
  );
}

function Timeline({ i }: { i: IncidentItem }) {
  return (
    <details className="text-xs">
      <summary className="cursor-pointer text-muted hover:text-text">Timeline ({i.timeline.length})</summary>
      <ol className="mt-1 space-y-0.5 border-l border-border pl-3" aria-label={`Timeline of ${i.ruleId} ${i.subject}`}>
        {i.timeline.map((t, n) => (
          <li key={`${t.at}-${n}`}>
            <TimeAgo ts={t.at} exact /> · <span className="font-medium">{t.event}</span>
            {t.value !== undefined && t.value !== null ? ` · value ${formatValue(t.value)}` : ''}
            {t.note ? ` · ${t.note}` : ''}
          </li>
        ))}
      </ol>
    </details>
  );
}

export function IncidentCard({ i, now }: { i: IncidentItem; now: number }) {
  const end = i.resolvedAt ?? now;
  return (
    <article className="space-y-2 rounded-lg border border-border bg-surface p-3" data-incident={i.id} data-rule={i.ruleId} aria-label={`${i.ruleId} ${i.subject}`}>
      <header className="flex flex-wrap items-center gap-2">
        <SeverityBadge severity={i.severity} />
        <IncidentStatusBadge status={i.status} />
        <span className="font-mono text-sm font-medium">{i.ruleId}</span>
        <Link href={i.path} className="font-mono text-sm text-accent hover:underline">
          {i.subject}
        </Link>
        <span className="ml-auto text-xs text-muted">
          since <TimeAgo ts={i.since} /> · {i.resolvedAt === null ? 'for' : 'lasted'} {formatSpan(end - (i.firedAt ?? i.since))}
          {i.resolvedAt !== null && (
            <>
              {' '}· resolved <TimeAgo ts={i.resolvedAt} />
            </>
          )}
        </span>
      </header>
      <p className="text-sm">{i.summary}</p>
      <Numbers i={i} />
      {i.acknowledged && (
        <p className="text-xs text-muted">
          Acknowledged by {i.acknowledged.by} <TimeAgo ts={i.acknowledged.at} />
          {i.acknowledged.note ? `: “${i.acknowledged.note}”` : ''}
        </p>
      )}
      {i.silencedBy && <p className="text-xs text-muted">Muted by silence {i.silencedBy.slice(0, 8)}: nobody is notified.</p>}
      <div className="flex flex-wrap items-center gap-3">
        <Timeline i={i} />
        <div className="ml-auto flex flex-wrap items-center gap-3">
          {i.status === 'firing' && <AcknowledgeForm id={i.id} rule={i.ruleId} />}
          {i.status !== 'resolved' && (
            <Link href={silenceLikeHref(i, SUBJECT_LABELS)} className="text-xs text-accent hover:underline">
              Silence like this
            </Link>
          )}
        </div>
      </div>
    </article>
  );
}
