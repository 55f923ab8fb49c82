'use client';

import { useEffect, useState } from 'react';
import { callApi } from '@/components/alerts/call-api';
import { TaskActionDialog } from './task-action-dialog';
import { BULK_FORM_ID, type TaskActionSpec, type TaskFilterBody, type TaskSelection } from './task-action-types';

// The task list's bulk-selection bar: the rows' checkboxes belong to this bar's form (the `form`
// attribute, so the table stays a server component), or "all N matching this filter" (counted by a
// dry run of the first action). Each action offered (`actions`: revoke, terminate, retry…) opens
// the confirmation dialog for the selection.

export function BulkActions({ actions, filter }: { actions: TaskActionSpec[]; filter: TaskFilterBody | null }) {
  const [checked, setChecked] = useState<string[]>([]);
  const [allMatching, setAllMatching] = useState<{ count: number; truncated: boolean } | null>(null);
  const [counting, setCounting] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [open, setOpen] = useState<{ action: TaskActionSpec; selection: TaskSelection } | null>(null);

  useEffect(() => {
    const boxes = () => [...document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][form="${BULK_FORM_ID}"]`)];
    const sync = () => setChecked(boxes().filter((b) => b.checked).map((b) => b.value));
    sync();
    document.addEventListener('change', sync);
    return () => document.removeEventListener('change', sync);
  }, []);

  const setAll = (on: boolean) => {
    for (const b of document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][form="${BULK_FORM_ID}"]`)) b.checked = on;
    setChecked(on ? [...document.querySelectorAll<HTMLInputElement>(`input[type=checkbox][form="${BULK_FORM_ID}"]`)].map((b) => b.value) : []);
    setAllMatching(null);
  };

  const selectAllMatching = async () => {
    const first = actions[0];
    if (!filter || !first) return;
    setCounting(true);
    setMessage(null);
    const r = await callApi<{ count: number; truncated?: boolean }>('POST', first.url, { filter, dryRun: true });
    setCounting(false);
    if (r.ok) setAllMatching({ count: r.data.count, truncated: r.data.truncated ?? false });
    else setMessage(r.message);
  };

  const selection: TaskSelection | null = allMatching && filter ? { filter } : checked.length > 0 ? { ids: checked } : null;
  const selected = allMatching ? allMatching.count : checked.length;

  return (
    <form id={BULK_FORM_ID} aria-label="Bulk actions" onSubmit={(e) => e.preventDefault()} className="flex flex-wrap items-center gap-2 rounded-lg border border-border bg-surface px-3 py-2 text-sm" data-testid="bulk-actions">
      <span role="status" aria-live="polite" className="min-w-32">
        {allMatching ? `All ${allMatching.count}${allMatching.truncated ? '+' : ''} matching this filter` : `${checked.length} selected`}
      </span>
      <button type="button" onClick={() => setAll(true)} className="rounded border border-border px-2 py-0.5 text-xs">
        Select page
      </button>
      {filter && (
        <button type="button" onClick={() => void selectAllMatching()} disabled={counting} className="rounded border border-border px-2 py-0.5 text-xs disabled:opacity-60">
          {counting ? 'Counting…' : 'Select all matching this filter'}
        </button>
      )}
      {(checked.length > 0 || allMatching) && (
        <button type="button" onClick={() => setAll(false)} className="rounded border border-border px-2 py-0.5 text-xs">
          Clear
        </button>
      )}
      <span className="grow" />
      {actions.map((a) => (
        <button
          key={a.id}
          type="button"
          disabled={!selection || selected === 0}
          onClick={() => selection && setOpen({ action: a, selection })}
          className="rounded border border-border px-3 py-1 hover:border-bad disabled:opacity-50"
        >
          {a.label}…
        </button>
      ))}
      {message && (
        <p role="alert" className="w-full text-xs text-bad">
          {message}
        </p>
      )}
      {open && <TaskActionDialog action={open.action} selection={open.selection} onClose={() => setOpen(null)} />}
    </form>
  );
}
