'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { useState, type FormEvent } from 'react';

// The task filters live in the URL: submitting the form replaces the query string (and so is
// shareable, bookmarkable and survives reload). Pagination resets when a filter changes.

const STATES = ['PENDING', 'RECEIVED', 'STARTED', 'RETRY', 'SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED'];
const RANGES: Array<[string, string]> = [
  ['', 'Any time'],
  ['15m', 'Last 15 min'],
  ['1h', 'Last hour'],
  ['24h', 'Last 24 h'],
  ['7d', 'Last 7 days'],
];

export function TaskFilters({ names, workers, queues }: { names: string[]; workers: string[]; queues: string[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const [states, setStates] = useState<string[]>(params.getAll('state'));

  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const next = new URLSearchParams();
    for (const s of states) next.append('state', s);
    for (const key of ['name', 'worker', 'queue', 'range', 'q', 'id']) {
      const v = String(form.get(key) ?? '').trim();
      if (v) next.set(key, v);
    }
    router.push(`${pathname}${next.size ? `?${next}` : ''}`);
  };

  const select = (name: string, label: string, options: string[]) => (
    <label className="flex flex-col gap-1 text-xs text-muted">
      {label}
      <select name={name} defaultValue={params.get(name) ?? ''} className="rounded border border-border bg-surface px-2 py-1 text-sm text-text">
        <option value="">All</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <form onSubmit={submit} className="space-y-3 rounded-lg border border-border bg-surface p-3" aria-label="Task filters">
      <fieldset className="flex flex-wrap gap-2">
        <legend className="mb-1 text-xs text-muted">State</legend>
        {STATES.map((s) => (
          <label key={s} className="flex items-center gap-1 rounded border border-border px-2 py-0.5 text-xs">
            <input type="checkbox" checked={states.includes(s)} onChange={(e) => setStates(e.target.checked ? [...states, s] : states.filter((x) => x !== s))} />
            {s}
          </label>
        ))}
      </fieldset>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-6">
        {select('name', 'Task name', names)}
        {select('worker', 'Worker', workers)}
        {select('queue', 'Queue', queues)}
        <label className="flex flex-col gap-1 text-xs text-muted">
          Time
          <select name="range" defaultValue={params.get('range') ?? ''} className="rounded border border-border bg-surface px-2 py-1 text-sm text-text">
            {RANGES.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted">
          Text in name or args
          <input name="q" defaultValue={params.get('q') ?? ''} className="rounded border border-border bg-surface px-2 py-1 text-sm text-text" />
        </label>
        <label className="flex flex-col gap-1 text-xs text-muted">
          Task id
          <input name="id" defaultValue={params.get('id') ?? ''} className="rounded border border-border bg-surface px-2 py-1 font-mono text-sm text-text" />
        </label>
      </div>
      <div className="flex gap-2">
        <button type="submit" className="rounded bg-accent px-3 py-1 text-sm font-medium text-white dark:text-black">
          Apply
        </button>
        <button
          type="button"
          className="rounded border border-border px-3 py-1 text-sm"
          onClick={() => {
            setStates([]);
            router.push(pathname);
          }}
        >
          Clear
        </button>
      </div>
    </form>
  );
}
