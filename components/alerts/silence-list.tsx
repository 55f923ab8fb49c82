import { TimeAgo } from '@/components/shell/time-mode';
import { Empty } from '@/components/ui/card';
import { EndSilenceButton } from './end-silence-button';
import type { SilenceItem } from './types';

function Match({ s }: { s: SilenceItem }) {
  const parts = [...(s.match.rule !== undefined ? [`rule=${s.match.rule}`] : []), ...Object.entries(s.match.labels ?? {}).map(([k, v]) => `${k}=${v}`)];
  return <span className="font-mono">{parts.join(' ')}</span>;
}

/** Silences, active first; expired ones stay listed for a day. */
export function SilenceList({ silences }: { silences: SilenceItem[] }) {
  if (silences.length === 0) return <Empty>No silences.</Empty>;
  return (
    <ul className="divide-y divide-border text-sm" aria-label="Silences">
      {silences.map((s) => (
        <li key={s.id} className={`flex flex-wrap items-center gap-3 py-2 ${s.active ? '' : 'text-muted'}`} data-silence={s.id} data-active={s.active}>
          <span className={`rounded border px-1.5 text-xs ${s.active ? 'border-warn/40 text-warn' : 'border-border'}`}>{s.active ? 'active' : 'expired'}</span>
          <Match s={s} />
          <span className="text-xs">“{s.reason}”</span>
          <span className="text-xs text-muted">
            by {s.createdBy} <TimeAgo ts={s.createdAt} /> · {s.active ? 'ends' : 'ended'} <TimeAgo ts={s.expiresAt} />
            {s.active ? ` · mutes ${s.matching} active` : ''}
          </span>
          {s.active && (
            <span className="ml-auto">
              <EndSilenceButton id={s.id} />
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
