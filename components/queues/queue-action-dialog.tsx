'use client';

import { useRouter } from 'next/navigation';
import { useId, useRef, useState, type FormEvent } from 'react';
import { callApi } from '@/components/alerts/call-api';
import { formatNumber } from '@/lib/format';

// One queue action, previewed then confirmed, in a modal <dialog> (focus moves in, Escape closes,
// focus returns to the button): the dry run's count per band and first messages; for more than
// 100 messages the operator types the queue name; then the action, its progress and its outcome;
// the page shows the new state once the dialog is closed.

export type QueueActionKind = 'purge' | 'move' | 'restore' | 'archive-delete' | 'message-delete';

interface Field {
  name: 'to' | 'count';
  label: string;
  defaultValue?: string;
  required?: boolean;
}

interface Preview {
  count: number;
  bands: Array<{ band: number; count: number }>;
  sample: Array<{ id: string | null; task: string | null; band: number }>;
}

/** Above this count the queue name must be typed to confirm. */
export const TYPE_TO_CONFIRM_ABOVE = 100;

const FIELDS: Partial<Record<QueueActionKind, Field[]>> = {
  move: [
    { name: 'to', label: 'Target queue', required: true },
    { name: 'count', label: 'How many (the next to run; empty: all)' },
  ],
  restore: [{ name: 'to', label: 'Restore into queue (empty: the queue it came from)' }],
};

const VERB: Record<QueueActionKind, string> = { purge: 'Purge', move: 'Move', restore: 'Restore', 'archive-delete': 'Delete archive', 'message-delete': 'Delete message' };

function outcomeText(kind: QueueActionKind, d: Record<string, unknown>): string {
  const n = (k: string) => formatNumber(typeof d[k] === 'number' ? d[k] : 0);
  switch (kind) {
    case 'purge':
      return d.archiveId ? `Purged ${n('purged')} messages into archive ${String(d.archiveId)}: restore it from the archives below.` : 'The queue was empty: nothing purged.';
    case 'move':
      return `Moved ${n('moved')} messages to ${String(d.to)}${Number(d.kept) > 0 ? `; ${n('kept')} could not be rerouted and wait in archive ${String(d.archiveId)}` : ''}.`;
    case 'restore':
      return `Restored ${n('restored')} messages into ${String(d.to)}${Number(d.kept) > 0 ? `; ${n('kept')} could not be rerouted and stay in the archive` : ''}.`;
    case 'archive-delete':
      return `Deleted the archive and its ${n('deleted')} messages.`;
    case 'message-delete':
      return `Deleted the message of task ${String(d.taskId)}.`;
  }
}

function previewOf(kind: QueueActionKind, d: Record<string, unknown>): Preview {
  if (kind === 'message-delete') {
    const m = d.message as { id: string | null; task: string | null; band: number };
    return { count: 1, bands: [{ band: m.band, count: 1 }], sample: [m] };
  }
  if (kind === 'archive-delete') return { count: Number(d.deleted) || 0, bands: [], sample: [] };
  return { count: Number(d.count) || 0, bands: (d.bands as Preview['bands'] | undefined) ?? [], sample: (d.sample as Preview['sample'] | undefined) ?? [] };
}

/** `label` is the button's text; `name` its accessible name when the text alone is ambiguous (one "Delete" per row). */
export function QueueActionDialog({ kind, queue, url, method = 'POST', label, name, danger = false }: { kind: QueueActionKind; queue: string; url: string; method?: 'POST' | 'DELETE'; label: string; name?: string; danger?: boolean }) {
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const trigger = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const fields = FIELDS[kind] ?? [];
  const [values, setValues] = useState<Record<string, string>>(Object.fromEntries(fields.map((f) => [f.name, f.defaultValue ?? ''])));
  const [preview, setPreview] = useState<Preview | null>(null);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState<'preview' | 'act' | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<string | null>(null);
  // The page's data is refreshed when the dialog closes, not at once: a restored archive's or a
  // deleted message's row (where this dialog lives) would otherwise vanish with its outcome.
  const changed = useRef(false);

  const body = (dryRun: boolean) => {
    const b: Record<string, unknown> = { dryRun };
    if (values.to) b.to = values.to;
    if (values.count) b.count = Number(values.count);
    return b;
  };
  const request = (dryRun: boolean) => (method === 'DELETE' ? callApi<Record<string, unknown>>('DELETE', `${url}?dryRun=${String(dryRun)}`) : callApi<Record<string, unknown>>('POST', url, body(dryRun)));

  const open = async () => {
    setPreview(null);
    setTyped('');
    setError(null);
    setOutcome(null);
    dialog.current?.showModal();
    if (fields.length === 0) await runPreview();
  };
  const close = () => dialog.current?.close();
  const runPreview = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy('preview');
    setError(null);
    const r = await request(true);
    setBusy(null);
    if (r.ok) setPreview(previewOf(kind, r.data));
    else setError(r.message);
  };
  const act = async () => {
    setBusy('act');
    setError(null);
    const r = await request(false);
    setBusy(null);
    if (!r.ok) return setError(r.message);
    setOutcome(outcomeText(kind, r.data));
    setPreview(null);
    changed.current = true;
  };
  const closed = () => {
    trigger.current?.focus();
    if (changed.current) router.refresh();
    changed.current = false;
  };

  const mustType = preview !== null && preview.count > TYPE_TO_CONFIRM_ABOVE;
  const canAct = preview !== null && preview.count > 0 && (!mustType || typed === queue) && busy === null;
  const button = `rounded border px-2 py-0.5 text-xs disabled:opacity-60 ${danger ? 'border-bad/60 hover:border-bad' : 'border-border hover:border-accent'}`;

  return (
    <>
      <button ref={trigger} type="button" className={button} onClick={open} aria-label={name}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} className="w-full max-w-lg rounded-lg border border-border bg-surface p-4 text-sm text-text backdrop:bg-black/40" onClose={closed}>
        <h2 id={titleId} className="mb-3 text-base font-semibold">
          {VERB[kind]} · <span className="font-mono">{queue}</span>
        </h2>
        {fields.length > 0 && !outcome && (
          <form onSubmit={runPreview} className="mb-3 space-y-2">
            {fields.map((f) => (
              <label key={f.name} className="block">
                <span className="block text-xs text-muted">{f.label}</span>
                <input
                  name={f.name}
                  type={f.name === 'count' ? 'number' : 'text'}
                  min={f.name === 'count' ? 1 : undefined}
                  required={f.required}
                  value={values[f.name] ?? ''}
                  onChange={(e) => {
                    setValues({ ...values, [f.name]: e.target.value });
                    setPreview(null);
                  }}
                  className="mt-0.5 w-full rounded border border-border bg-surface-2 px-2 py-1 font-mono text-xs"
                />
              </label>
            ))}
            <button type="submit" disabled={busy !== null} className="rounded border border-border px-2 py-0.5 text-xs hover:border-accent disabled:opacity-60">
              {busy === 'preview' ? 'Counting…' : 'Preview'}
            </button>
          </form>
        )}
        {busy === 'preview' && fields.length === 0 && <p role="status">Counting…</p>}
        {preview && (
          <div className="space-y-2" data-testid="action-preview">
            <p role="status">
              {preview.count === 0 ? 'Nothing to do: no messages.' : `This ${kind.endsWith('delete') ? 'deletes' : 'takes'} ${formatNumber(preview.count)} message${preview.count === 1 ? '' : 's'}`}
              {preview.bands.filter((b) => b.count > 0).length > 1 && ` (${preview.bands.filter((b) => b.count > 0).map((b) => `band ${b.band}: ${formatNumber(b.count)}`).join(', ')})`}
              {preview.count > 0 && (kind.endsWith('delete') ? '. This cannot be undone.' : '.')}
            </p>
            {preview.sample.length > 0 && (
              <ul aria-label="First messages" className="max-h-32 overflow-y-auto font-mono text-xs text-muted">
                {preview.sample.map((m, i) => (
                  <li key={`${m.id ?? 'x'}-${i}`}>
                    {m.task ?? 'undecodable'} {m.id} (band {m.band})
                  </li>
                ))}
              </ul>
            )}
            {mustType && (
              <label className="block">
                <span className="block text-xs">
                  More than {TYPE_TO_CONFIRM_ABOVE} messages: type <strong className="font-mono">{queue}</strong> to confirm
                </span>
                <input name="confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" className="mt-0.5 w-full rounded border border-border bg-surface-2 px-2 py-1 font-mono text-xs" />
              </label>
            )}
          </div>
        )}
        {busy === 'act' && <p role="status">Working…</p>}
        {outcome && (
          <p role="status" className="text-ok" data-testid="action-outcome">
            {outcome}
          </p>
        )}
        {error && (
          <p role="alert" className="text-xs text-bad">
            {error}
          </p>
        )}
        <div className="mt-4 flex justify-end gap-2">
          <button type="button" onClick={close} className="rounded border border-border px-2 py-0.5 text-xs">
            {outcome ? 'Close' : 'Cancel'}
          </button>
          {!outcome && (
            <button type="button" disabled={!canAct} onClick={act} className={button}>
              {busy === 'act' ? 'Working…' : `${VERB[kind]}${preview && preview.count > 0 ? ` ${formatNumber(preview.count)}` : ''}`}
            </button>
          )}
        </div>
      </dialog>
    </>
  );
}
