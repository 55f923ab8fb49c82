import type { TaskAttempt } from '@/lib/schemas/api';
import { TimeAgo } from '@/components/shell/time-mode';
import { formatDuration } from '@/lib/format';

const OUTCOME: Record<TaskAttempt['outcome'], string> = {
  succeeded: 'text-ok',
  failed: 'text-bad',
  retried: 'text-warn',
  revoked: 'text-warn',
  rejected: 'text-warn',
  cancelled: 'text-warn',
  running: 'text-info',
  waiting: 'text-muted',
  unknown: 'text-muted',
};

export function AttemptCard({ attempt, index }: { attempt: TaskAttempt; index: number }) {
  return (
    <article className="rounded-lg border border-border bg-surface p-3" aria-label={`Attempt ${index + 1}`} data-testid="attempt">
      <header className="flex flex-wrap items-baseline gap-x-4 gap-y-1 text-sm">
        <h3 className="font-semibold">Attempt {index + 1}</h3>
        <span className={`font-medium ${OUTCOME[attempt.outcome]}`}>{attempt.outcome}</span>
        <span className="font-mono text-xs">{attempt.worker ?? 'worker unknown'}</span>
        <span className="text-xs text-muted">
          waited {formatDuration(attempt.waited)} · ran {formatDuration(attempt.ran)}
        </span>
        <span className="text-xs text-muted">
          started <TimeAgo ts={attempt.started} />
        </span>
        {attempt.eta && <span className="text-xs text-muted">eta {attempt.eta}</span>}
      </header>
      {attempt.exception && <p className="mt-2 font-mono text-sm text-bad">{attempt.exception}</p>}
      {attempt.traceback && (
        <details className="mt-2">
          <summary className="cursor-pointer text-xs text-muted">Traceback</summary>
          <pre tabIndex={0} className="mt-1 max-h-96 overflow-auto rounded bg-surface-2 p-2 text-xs">{attempt.traceback}</pre>
        </details>
      )}
    </article>
  );
}
