'use client';

import { useState, type FormEvent } from 'react';
import { ErrorText, useMutation } from './call-api';

/** Acknowledge a firing incident (stops its repeats), with an optional note for the others on call. */
export function AcknowledgeForm({ id, rule }: { id: string; rule: string }) {
  const { busy, error, run } = useMutation();
  const [note, setNote] = useState('');
  const [done, setDone] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const result = await run('POST', `/api/v1/alerts/${encodeURIComponent(id)}/acknowledge`, note.trim() ? { note: note.trim() } : {});
    setDone(result.ok);
  };
  if (done)
    return (
      <p role="status" className="text-xs text-ok">
        Acknowledged: repeats stop from the next rule evaluation.
      </p>
    );
  return (
    <form onSubmit={submit} className="flex flex-wrap items-center gap-2" aria-label={`Acknowledge ${rule}`}>
      <label className="sr-only" htmlFor={`ack-note-${id}`}>
        Note (optional)
      </label>
      <input
        id={`ack-note-${id}`}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        maxLength={500}
        placeholder="Note (optional)"
        className="w-48 rounded border border-border bg-surface px-2 py-1 text-xs text-text"
      />
      <button type="submit" disabled={busy} className="rounded border border-border bg-surface-2 px-2 py-1 text-xs font-medium hover:border-accent disabled:opacity-60">
        {busy ? 'Acknowledging…' : 'Acknowledge'}
      </button>
      <ErrorText error={error} />
    </form>
  );
}
