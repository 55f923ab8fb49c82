import { TimeAgo } from '@/components/shell/time-mode';
import type { TaskDetail } from '@/lib/schemas/api';

// Operator actions in a task's history (revoke requested, terminate requested, retried as…): who,
// when, and the audit entry that records it.

const LABELS: Record<string, string> = {
  'revoke-requested': 'Revoke requested',
  'terminate-requested': 'Terminate requested',
};

export function ActionNotes({ notes }: { notes: TaskDetail['actions'] }) {
  if (notes.length === 0) return null;
  return (
    <section aria-label="Operator actions" className="mt-3 border-t border-border pt-2">
      <h3 className="mb-1 text-xs font-semibold text-muted">Operator actions</h3>
      <ol className="space-y-1 text-sm">
        {notes.map((n, i) => (
          <li key={`${n.at}-${i}`} className="flex flex-wrap gap-x-3" data-action={n.action}>
            <span className="w-52 shrink-0 text-xs text-muted">
              <TimeAgo ts={n.at} exact />
            </span>
            <span>{LABELS[n.action] ?? n.action}</span>
            <span className="text-xs text-muted">by {n.by}</span>
            {n.detail && <span className="font-mono text-xs">{n.detail}</span>}
            {n.auditId && <span className="font-mono text-xs text-muted">audit {n.auditId}</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
