import Link from 'next/link';
import type { ChordCallback, WorkflowGroup } from '@/lib/schemas/api';
import { StateBadge } from '@/components/ui/badges';

// One group's or chord header's progress: "3/5 done" with a bar when the size is truly known
// (chord join keys or a saved group), else what was seen; the chord callback's status.

export function progressText(g: WorkflowGroup): string {
  if (g.size !== null) return `${g.done}/${g.size} done`;
  return `${g.done} done · ${g.membersKnown} ${g.membersKnown === 1 ? 'member' : 'members'} seen, size unknown`;
}

function callbackText(c: ChordCallback, g: WorkflowGroup): string {
  if (c.status === 'waiting') return `callback pending (${(g.size ?? 0) - g.done} to go)`;
  if (c.status === 'not-run') return 'callback not run: a header task failed (ChordError)';
  if (c.status === 'sent') return 'callback';
  return 'callback not seen';
}

export function GroupProgress({ group: g }: { group: WorkflowGroup }) {
  const pct = (n: number | null) => (g.size ? `${Math.min(100, ((n ?? 0) / g.size) * 100)}%` : '0%');
  return (
    <div className="space-y-1 text-sm" data-testid="group-progress" data-group={g.id}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="text-xs font-medium uppercase tracking-wide text-muted">{g.chord ? 'chord' : 'group'}</span>
        <span className="font-mono text-xs text-muted" title={g.id}>
          {g.id.slice(0, 8)}
        </span>
        <span className="tabular-nums">{progressText(g)}</span>
        {g.succeeded !== null && g.failed !== null && (
          <span className="text-xs text-muted">
            <span className="text-ok">{g.succeeded} ok</span>
            {g.failed > 0 && <span className="text-bad"> · {g.failed} failed</span>}
          </span>
        )}
      </div>
      {g.size !== null && (
        <div role="progressbar" aria-label={`${g.chord ? 'Chord' : 'Group'} ${g.id} progress`} aria-valuemin={0} aria-valuemax={g.size} aria-valuenow={g.done} className="flex h-1.5 w-full max-w-xs overflow-hidden rounded bg-surface-2">
          {g.succeeded !== null && g.failed !== null ? (
            <>
              <div className="bg-ok" style={{ width: pct(g.succeeded) }} />
              <div className="bg-bad" style={{ width: pct(g.failed) }} />
            </>
          ) : (
            <div className="bg-info" style={{ width: pct(g.done) }} />
          )}
        </div>
      )}
      {g.callback && (
        <div className="flex flex-wrap items-center gap-2 text-xs text-muted" data-testid="chord-callback" data-status={g.callback.status}>
          <span>{callbackText(g.callback, g)}</span>
          {g.callback.id && (
            <>
              {g.callback.state && <StateBadge state={g.callback.state} />}
              <Link href={`/tasks/${g.callback.id}`} className="font-mono text-accent hover:underline">
                {g.callback.name ?? g.callback.id}
              </Link>
              {g.callback.result !== null && <span className="font-mono">→ {g.callback.result}</span>}
            </>
          )}
        </div>
      )}
      <details className="text-xs">
        <summary className="cursor-pointer text-muted">Members ({g.membersKnown} known)</summary>
        <ul className="mt-1 space-y-0.5">
          {g.members.map((m) => (
            <li key={m.id} className="flex items-center gap-2">
              <StateBadge state={m.state} />
              <Link href={`/tasks/${m.id}`} className="font-mono text-accent hover:underline">
                {m.id}
              </Link>
            </li>
          ))}
          {g.membersKnown > g.members.length && <li className="text-muted">and {g.membersKnown - g.members.length} more</li>}
        </ul>
      </details>
    </div>
  );
}
