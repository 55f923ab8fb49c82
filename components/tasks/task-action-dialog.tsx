'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { callApi } from '@/components/alerts/call-api';
import { SIGNALS, type TaskActionSpec, type TaskSelection } from './task-action-types';

// The confirmation of a task action: a dry run first (how many tasks, how many skipped), the
// operator confirms the previewed set (and picks a signal for terminate), then the outcome with each
// worker's reply. A native modal <dialog>: focus stays inside, Escape closes it.

interface Preview {
  previewId: string;
  count: number;
  revocable?: number;
  final?: number;
  waiting?: number;
  truncated?: boolean;
}

interface WorkerReply {
  hostname: string;
  status: string;
  reply?: string | null;
  error?: string;
  answered?: number;
  messages?: number;
}

type Outcome = Record<string, unknown> & { replies?: WorkerReply[]; requested?: number; removedFromQueue?: number; skippedFinal?: number };

type Phase = { kind: 'previewing' } | { kind: 'ready'; preview: Preview } | { kind: 'running'; preview: Preview } | { kind: 'done'; outcome: Outcome } | { kind: 'error'; message: string };

export function TaskActionDialog({ action, selection, onClose }: { action: TaskActionSpec; selection: TaskSelection; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const router = useRouter();
  const [phase, setPhase] = useState<Phase>({ kind: 'previewing' });
  const [signal, setSignal] = useState<(typeof SIGNALS)[number]>('TERM');

  useEffect(() => {
    if (ref.current && !ref.current.open) ref.current.showModal();
    let live = true;
    void callApi<Preview>('POST', action.url, { ...selection, ...action.extra, dryRun: true }).then((r) => {
      if (live) setPhase(r.ok ? { kind: 'ready', preview: r.data } : { kind: 'error', message: r.message });
    });
    return () => {
      live = false;
    };
  }, [action, selection]);

  const confirm = async (preview: Preview) => {
    setPhase({ kind: 'running', preview });
    const r = await callApi<Outcome>('POST', action.url, { previewId: preview.previewId, ...action.extra, ...(action.signal ? { signal } : {}) });
    setPhase(r.ok ? { kind: 'done', outcome: r.data } : { kind: 'error', message: r.message });
  };

  // The page's data is refreshed on closing, not before: a refresh can unmount the buttons that
  // opened this dialog (a terminated task is final) while the outcome is being read.
  const close = () => {
    ref.current?.close();
  };
  const closed = () => {
    if (phase.kind === 'done') router.refresh();
    onClose();
  };

  const titleId = `task-action-${action.id}-title`;
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={closed} className="m-auto w-full max-w-xl rounded-lg border border-border bg-surface p-4 text-sm text-text backdrop:bg-black/40" data-testid="task-action-dialog">
      <h2 id={titleId} className="mb-2 text-base font-semibold">
        {action.label} {'ids' in selection && selection.ids.length === 1 ? 'this task' : 'tasks'}
      </h2>
      <p className="mb-3 text-muted">{action.explain}</p>
      <div aria-live="polite" className="space-y-3">
        {phase.kind === 'previewing' && <p>Counting the selected tasks…</p>}
        {(phase.kind === 'ready' || phase.kind === 'running') && <PreviewText action={action} preview={phase.preview} />}
        {phase.kind === 'ready' && action.signal && (
          <label className="flex items-center gap-2">
            Signal
            <select value={signal} onChange={(e) => setSignal(e.target.value as (typeof SIGNALS)[number])} className="rounded border border-border bg-surface-2 px-2 py-0.5">
              {SIGNALS.map((s) => (
                <option key={s} value={s}>
                  SIG{s}
                </option>
              ))}
            </select>
          </label>
        )}
        {phase.kind === 'running' && <p role="status">{action.label}: sending to the workers…</p>}
        {phase.kind === 'done' && <OutcomeView outcome={phase.outcome} />}
        {phase.kind === 'error' && (
          <p role="alert" className="text-bad">
            {phase.message}
          </p>
        )}
      </div>
      <div className="mt-4 flex justify-end gap-2">
        <button type="button" onClick={close} className="rounded border border-border px-3 py-1">
          {phase.kind === 'done' || phase.kind === 'error' ? 'Close' : 'Cancel'}
        </button>
        {phase.kind === 'ready' && (
          <button
            type="button"
            onClick={() => void confirm(phase.preview)}
            disabled={(phase.preview.revocable ?? phase.preview.count) === 0}
            className="rounded border border-bad bg-bad/10 px-3 py-1 font-medium hover:bg-bad/20 disabled:opacity-60"
          >
            {action.label} {phase.preview.revocable ?? phase.preview.count} {(phase.preview.revocable ?? phase.preview.count) === 1 ? 'task' : 'tasks'}
          </button>
        )}
      </div>
    </dialog>
  );
}

function PreviewText({ action, preview }: { action: TaskActionSpec; preview: Preview }) {
  return (
    <div data-testid="action-preview">
      <p>
        <strong>{preview.count}</strong> {preview.count === 1 ? 'task' : 'tasks'} selected
        {preview.truncated ? ' (the filter matches more; only these)' : ''}.
      </p>
      {preview.final !== undefined && preview.final > 0 && <p className="text-muted">{preview.final} already final: skipped.</p>}
      {preview.waiting !== undefined && preview.waiting > 0 && <p className="text-muted">{preview.waiting} waiting in a queue: their messages will be removed.</p>}
      <p className="text-muted">Confirming applies {action.label.toLowerCase()} to exactly this set.</p>
    </div>
  );
}

function OutcomeView({ outcome }: { outcome: Outcome }) {
  return (
    <div data-testid="action-outcome" className="space-y-2">
      <p role="status">
        Done: {outcome.requested ?? 0} requested
        {outcome.removedFromQueue ? `, ${outcome.removedFromQueue} removed from their queue` : ''}
        {outcome.skippedFinal ? `, ${outcome.skippedFinal} skipped (final)` : ''}.
      </p>
      {outcome.replies && (
        <table className="w-full text-left text-xs">
          <caption className="sr-only">Each worker&apos;s reply</caption>
          <thead className="text-muted">
            <tr>
              <th scope="col" className="py-1 pr-2 font-medium">Worker</th>
              <th scope="col" className="py-1 pr-2 font-medium">Status</th>
              <th scope="col" className="py-1 font-medium">Reply</th>
            </tr>
          </thead>
          <tbody>
            {outcome.replies.length === 0 && (
              <tr>
                <td colSpan={3} className="py-1 text-muted">
                  No worker online to answer (waiting tasks were removed; the revoke is kept for workers that come online).
                </td>
              </tr>
            )}
            {outcome.replies.map((r) => (
              <tr key={r.hostname} className="border-t border-border" data-worker={r.hostname}>
                <td className="py-1 pr-2 font-mono">{r.hostname}</td>
                <td className={`py-1 pr-2 ${r.status === 'ok' ? 'text-ok' : 'text-warn'}`}>{r.status}</td>
                <td className="break-all py-1 font-mono">{r.error ?? r.reply ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
