'use client';

import { useEffect, useId, useState, type ReactNode } from 'react';
import { ErrorText, useMutation } from '@/components/alerts/call-api';
import type { WorkerControlCommand, WorkerControlResult } from '@/lib/schemas/worker-control';

// The worker page's Controls (shown to operators, never in read-only mode): each command goes to
// POST /api/v1/workers/{hostname}/control/{command}, and its answer — the worker's reply, its
// error, or its silence — is shown in one live region below.

const input = 'w-24 rounded border border-border bg-surface px-2 py-1 text-sm text-text';
const button = 'rounded border border-border bg-surface-2 px-2 py-1 text-xs font-medium hover:border-accent disabled:opacity-60';

function Field({ label, children }: { label: string; children: (id: string) => ReactNode }) {
  const id = useId();
  return (
    <span className="flex flex-col gap-1 text-xs text-muted">
      <label htmlFor={id}>{label}</label>
      {children(id)}
    </span>
  );
}

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <fieldset className="flex flex-wrap items-end gap-2 rounded border border-border p-2">
      <legend className="px-1 text-xs font-medium">{title}</legend>
      {children}
    </fieldset>
  );
}

const num = (s: string): number | null => (s.trim() === '' ? null : Number(s));

/** Task names from the worker's `registered` reply ("tasks.add [rate_limit=10/m]" → "tasks.add"). */
function useRegisteredTasks(hostname: string): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    let live = true;
    fetch(`/api/v1/workers/${encodeURIComponent(hostname)}/inspect/registered`)
      .then((r) => (r.ok ? (r.json() as Promise<{ reply?: unknown }>) : null))
      .then((body) => {
        if (live && Array.isArray(body?.reply)) setNames(body.reply.filter((t): t is string => typeof t === 'string').map((t) => t.split(' ')[0] ?? t));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [hostname]);
  return names;
}

function Outcome({ result }: { result: WorkerControlResult }) {
  return (
    <ul className="space-y-1 text-sm">
      {result.replies.map((r) => (
        <li key={r.hostname} data-status={r.status}>
          <span className="font-mono">{result.command}</span> → <span className="font-mono">{r.hostname}</span>:{' '}
          {r.status === 'ok' ? (
            <span className="text-ok">{typeof r.reply === 'string' ? r.reply : JSON.stringify(r.reply)}</span>
          ) : r.status === 'error' ? (
            <span className="text-bad">error: {r.error}</span>
          ) : result.expectsReply ? (
            <span className="text-warn">no reply within {Math.round(result.elapsedMs)} ms (busy, or gone: the command may or may not have applied)</span>
          ) : (
            <span className="text-muted">sent; a worker never answers shutdown (it goes offline when it stops)</span>
          )}
        </li>
      ))}
    </ul>
  );
}

export function WorkerControls({ hostname, offline }: { hostname: string; offline: boolean }) {
  const { busy, error, run } = useMutation<WorkerControlResult>();
  const [result, setResult] = useState<WorkerControlResult | null>(null);
  const [n, setN] = useState('1');
  const [min, setMin] = useState('1');
  const [max, setMax] = useState('4');
  const [queue, setQueue] = useState('');
  const [task, setTask] = useState('');
  const [rate, setRate] = useState('');
  const [soft, setSoft] = useState('');
  const [hard, setHard] = useState('');
  const [confirm, setConfirm] = useState('');
  const [shuttingDown, setShuttingDown] = useState(false);
  const tasks = useRegisteredTasks(hostname);
  const taskList = useId();

  const send = async (command: WorkerControlCommand, body: Record<string, unknown> = {}) => {
    setResult(null);
    const r = await run('POST', `/api/v1/workers/${encodeURIComponent(hostname)}/control/${command}`, body);
    if (r.ok) setResult(r.data);
  };
  const act = (label: string, command: WorkerControlCommand, body?: () => Record<string, unknown>, disabled = false) => (
    <button type="button" className={button} disabled={busy || disabled} onClick={() => void send(command, body?.())}>
      {label}
    </button>
  );

  return (
    <section aria-label="Controls" className="space-y-3 rounded-lg border border-border bg-surface p-4">
      <h2 className="text-sm font-semibold">Controls</h2>
      {offline && <p className="text-sm text-muted">The worker is offline: there is nothing to send it.</p>}
      <fieldset disabled={offline} className="space-y-3">
      <datalist id={taskList}>
        {tasks.map((t) => (
          <option key={t} value={t} />
        ))}
      </datalist>
      <div className="flex flex-wrap gap-2">
        <Group title="Ping">{act('Ping', 'ping')}</Group>
        <Group title="Pool size">
          <Field label="Processes">{(id) => <input id={id} type="number" min={1} max={100} value={n} onChange={(e) => setN(e.target.value)} className={input} />}</Field>
          {act('Grow', 'pool_grow', () => ({ n: Number(n) }))}
          {act('Shrink', 'pool_shrink', () => ({ n: Number(n) }))}
        </Group>
        <Group title="Autoscale">
          <Field label="Min">{(id) => <input id={id} type="number" min={0} max={1000} value={min} onChange={(e) => setMin(e.target.value)} className={input} />}</Field>
          <Field label="Max">{(id) => <input id={id} type="number" min={1} max={1000} value={max} onChange={(e) => setMax(e.target.value)} className={input} />}</Field>
          {act('Set autoscale', 'autoscale', () => ({ min: Number(min), max: Number(max) }))}
        </Group>
        <Group title="Consumers">
          <Field label="Queue">{(id) => <input id={id} value={queue} onChange={(e) => setQueue(e.target.value)} maxLength={200} className={`${input} w-40`} />}</Field>
          {act('Add consumer', 'add_consumer', () => ({ queue: queue.trim() }), !queue.trim())}
          {act('Cancel consumer', 'cancel_consumer', () => ({ queue: queue.trim() }), !queue.trim())}
        </Group>
        <Group title="Events">
          {act('Enable events', 'enable_events')}
          {act('Disable events', 'disable_events')}
        </Group>
      </div>
      <Group title="Task limits">
        <Field label="Task">{(id) => <input id={id} list={taskList} value={task} onChange={(e) => setTask(e.target.value)} placeholder="tasks.add" maxLength={255} className={`${input} w-56`} />}</Field>
        <Field label="Rate limit (10/s, 5/m, 100/h; empty removes)">
          {(id) => <input id={id} value={rate} onChange={(e) => setRate(e.target.value)} placeholder="10/m" className={input} />}
        </Field>
        {act('Set rate limit', 'rate_limit', () => ({ task: task.trim(), rateLimit: rate.trim() || null }), !task.trim())}
        <Field label="Soft limit (s)">{(id) => <input id={id} type="number" min={0} value={soft} onChange={(e) => setSoft(e.target.value)} className={input} />}</Field>
        <Field label="Hard limit (s)">{(id) => <input id={id} type="number" min={0} value={hard} onChange={(e) => setHard(e.target.value)} className={input} />}</Field>
        {act('Set time limits', 'time_limit', () => ({ task: task.trim(), soft: num(soft), hard: num(hard) }), !task.trim())}
      </Group>
      <Group title="Restart and stop">
        {act('Restart pool', 'pool_restart')}
        {!shuttingDown ? (
          <button type="button" className={`${button} hover:border-bad`} disabled={busy} onClick={() => setShuttingDown(true)}>
            Shut down…
          </button>
        ) : (
          <span className="flex flex-wrap items-end gap-2">
            <Field label={`Type ${hostname} to shut it down`}>
              {(id) => <input id={id} value={confirm} onChange={(e) => setConfirm(e.target.value)} autoComplete="off" className={`${input} w-56`} />}
            </Field>
            <button type="button" className={`${button} border-bad text-bad`} disabled={busy || confirm !== hostname} onClick={() => void send('shutdown')}>
              Shut down
            </button>
            <button type="button" className={button} onClick={() => (setShuttingDown(false), setConfirm(''))}>
              Cancel
            </button>
          </span>
        )}
      </Group>
      </fieldset>
      <div role="status" aria-live="polite" data-testid="control-result" className="min-h-6">
        {busy ? <p className="text-sm text-muted">Waiting for the worker…</p> : result ? <Outcome result={result} /> : null}
      </div>
      <ErrorText error={error} />
    </section>
  );
}
