import type { WorkerStatus } from '@/lib/schemas/api';

const STATE_STYLE: Record<string, string> = {
  SUCCESS: 'text-ok border-ok/40 bg-ok/10',
  FAILURE: 'text-bad border-bad/40 bg-bad/10',
  REVOKED: 'text-warn border-warn/40 bg-warn/10',
  REJECTED: 'text-warn border-warn/40 bg-warn/10',
  RETRY: 'text-warn border-warn/40 bg-warn/10',
  STARTED: 'text-info border-info/40 bg-info/10',
  RECEIVED: 'text-info border-info/40 bg-info/10',
  PENDING: 'text-muted border-border bg-surface-2',
};

export function StateBadge({ state }: { state: string }) {
  return (
    <span className={`inline-block rounded border px-1.5 py-0.5 font-mono text-xs font-medium ${STATE_STYLE[state] ?? 'border-border text-text'}`} data-state={state}>
      {state}
    </span>
  );
}

const STATUS_STYLE: Record<WorkerStatus, string> = {
  online: 'text-ok border-ok/40 bg-ok/10',
  offline: 'text-muted border-border bg-surface-2',
  lost: 'text-bad border-bad/40 bg-bad/10',
};

export function StatusBadge({ status }: { status: WorkerStatus }) {
  return <span className={`inline-block rounded border px-1.5 py-0.5 text-xs font-medium ${STATUS_STYLE[status]}`}>{status}</span>;
}
