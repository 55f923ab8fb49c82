'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, type FormEvent } from 'react';
import { parseEnteredArguments, requestRetry } from './retry-api';

// The task page's Retry: a confirmation first, then the task is published again under a new id.
// When the server cannot know the arguments (409: no extended result and a truncated or unreadable
// repr), an editor takes them as JSON (args an array, kwargs an object) and retries with those.

type Stage = { kind: 'idle' } | { kind: 'confirm' } | { kind: 'editor'; reason: string } | { kind: 'done'; newId: string };

const button = 'rounded border border-border bg-surface-2 px-2 py-1 text-xs font-medium hover:border-accent disabled:opacity-60';

export function RetryButton({ id, name, queue }: { id: string; name: string | null; queue: string | null }) {
  const router = useRouter();
  const [stage, setStage] = useState<Stage>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [argsText, setArgsText] = useState('[]');
  const [kwargsText, setKwargsText] = useState('{}');

  const send = async (entered?: { args: unknown[]; kwargs: Record<string, unknown> }) => {
    setBusy(true);
    setError(null);
    const res = await requestRetry({ ids: [id], ...(entered ?? {}) });
    setBusy(false);
    if (res.ok) {
      const newId = res.data.retried[0]?.newId;
      if (newId) {
        setStage({ kind: 'done', newId });
        router.refresh();
      } else setError(res.data.skipped[0]?.reason ?? 'nothing was retried');
    } else if (res.code === 'CONFLICT' && !entered) setStage({ kind: 'editor', reason: res.message });
    else setError(res.message);
  };

  const submitEntered = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = parseEnteredArguments(argsText, kwargsText);
    if (!parsed.ok) return setError(parsed.message);
    await send({ args: parsed.args, kwargs: parsed.kwargs });
  };

  const errorText = error && (
    <p role="alert" className="text-xs text-bad">
      {error}
    </p>
  );

  if (stage.kind === 'done')
    return (
      <p role="status" className="text-sm text-ok">
        Retried as{' '}
        <Link href={`/tasks/${stage.newId}`} className="font-mono text-accent hover:underline">
          {stage.newId}
        </Link>
      </p>
    );
  if (stage.kind === 'idle')
    return (
      <button type="button" className={button} onClick={() => setStage({ kind: 'confirm' })}>
        Retry
      </button>
    );
  if (stage.kind === 'confirm')
    return (
      <div role="group" aria-label="Confirm retry" className="flex flex-wrap items-center gap-2 rounded border border-border bg-surface p-2 text-sm">
        <span>
          Publish <span className="font-mono">{name ?? 'this task'}</span> again to <span className="font-mono">{queue ?? 'its queue'}</span> with the same arguments, under a new id?
        </span>
        <button type="button" className={button} disabled={busy} onClick={() => void send()}>
          {busy ? 'Retrying…' : 'Confirm retry'}
        </button>
        <button type="button" className={button} disabled={busy} onClick={() => setStage({ kind: 'idle' })}>
          Cancel
        </button>
        {errorText}
      </div>
    );
  return (
    <form onSubmit={submitEntered} aria-label="Retry with arguments" className="space-y-2 rounded border border-border bg-surface p-3 text-sm">
      <p className="text-warn">{stage.reason}</p>
      <p className="text-xs text-muted">Enter the arguments to retry it with (JSON):</p>
      <label className="block text-xs">
        args (array)
        <textarea value={argsText} onChange={(e) => setArgsText(e.target.value)} rows={3} className="mt-1 block w-full rounded border border-border bg-surface-2 p-1 font-mono text-xs" />
      </label>
      <label className="block text-xs">
        kwargs (object)
        <textarea value={kwargsText} onChange={(e) => setKwargsText(e.target.value)} rows={3} className="mt-1 block w-full rounded border border-border bg-surface-2 p-1 font-mono text-xs" />
      </label>
      <div className="flex gap-2">
        <button type="submit" className={button} disabled={busy}>
          {busy ? 'Retrying…' : 'Retry with these arguments'}
        </button>
        <button type="button" className={button} disabled={busy} onClick={() => setStage({ kind: 'idle' })}>
          Cancel
        </button>
      </div>
      {errorText}
    </form>
  );
}
