'use client';

import { useState, type FormEvent } from 'react';
import { ErrorText, useMutation } from './call-api';
import { SUBJECT_LABELS } from './types';

const input = 'rounded border border-border bg-surface px-2 py-1 text-sm text-text';

/** Create a silence: a rule glob and/or label globs, how long, and why (shown to whoever is on call). */
export function SilenceForm({ prefill }: { prefill: { rule?: string; labels: Partial<Record<(typeof SUBJECT_LABELS)[number], string>> } }) {
  const { busy, error, run } = useMutation();
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? '').trim();
    const labels = Object.fromEntries(SUBJECT_LABELS.map((l) => [l, text(l)]).filter(([, v]) => v));
    const match = { ...(text('rule') ? { rule: text('rule') } : {}), ...(Object.keys(labels).length ? { labels } : {}) };
    const result = await run('POST', '/api/v1/alerts/silences', { match, duration: text('duration'), reason: text('reason') });
    setDone(result.ok);
  };
  const field = (name: string, label: string, value: string | undefined, hint?: string) => (
    <label className="flex flex-col gap-1 text-xs text-muted">
      {label}
      <input name={name} defaultValue={value ?? ''} placeholder={hint} className={input} />
    </label>
  );
  return (
    <form id="new-silence" onSubmit={submit} onChange={() => setDone(false)} className="space-y-3" aria-label="New silence">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {field('rule', 'Rule (glob)', prefill.rule, 'e.g. queue-*')}
        {SUBJECT_LABELS.map((l) => field(l, `${l[0]?.toUpperCase()}${l.slice(1)} (glob)`, prefill.labels[l]))}
      </div>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <label className="flex flex-col gap-1 text-xs text-muted">
          Duration
          <input name="duration" defaultValue="2h" required className={input} aria-describedby="silence-duration-hint" />
          <span id="silence-duration-hint">30m, 2h, 1d (at most 90 d)</span>
        </label>
        <label className="col-span-1 flex flex-col gap-1 text-xs text-muted md:col-span-3">
          Reason
          <input name="reason" required maxLength={500} placeholder="why, and who is on it" className={input} />
        </label>
      </div>
      <div className="flex items-center gap-3">
        <button type="submit" disabled={busy} className="rounded border border-border bg-surface-2 px-3 py-1 text-sm font-medium hover:border-accent disabled:opacity-60">
          {busy ? 'Creating…' : 'Create silence'}
        </button>
        {done && (
          <span role="status" className="text-xs text-ok">
            Silence created.
          </span>
        )}
        <ErrorText error={error} />
      </div>
    </form>
  );
}
