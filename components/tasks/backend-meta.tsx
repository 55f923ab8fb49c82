import Link from 'next/link';
import type { BackendMeta } from '@/lib/schemas/api';
import { TimeAgo } from '@/components/shell/time-mode';
import { StateBadge } from '@/components/ui/badges';

// A task's `celery-task-meta-<id>` as readable fields: status, result (an exception as Celery's
// events show it), the traceback folded, children, date_done, and the result_extended fields when
// the worker stored them; the raw value stays one click away.

/** result_extended fields (protocol doc §7.2), in Celery's write order. */
const EXTENDED = { name: 'Name', args: 'Args', kwargs: 'Kwargs', worker: 'Worker', retries: 'Retries', queue: 'Queue' } as const;
const LINKED = ['group_id', 'parent_id', 'task_id'];

const text = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="break-words font-mono text-sm">{children}</dd>
    </div>
  );
}

export function BackendMetaView({ meta, doneAt, exception }: { meta: BackendMeta; doneAt: number | null; exception: string | null }) {
  const extra = meta.extra;
  const others = Object.entries(extra).filter(([k]) => !(k in EXTENDED) && !LINKED.includes(k));
  const parent = typeof extra.parent_id === 'string' ? extra.parent_id : null;
  return (
    <div className="space-y-3" data-testid="backend-meta">
      <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Status">
          <StateBadge state={meta.status} />
        </Field>
        <Field label="Date done">{meta.dateDone ? <span title={meta.dateDone}>{doneAt !== null ? <TimeAgo ts={doneAt} exact /> : meta.dateDone}</span> : '—'}</Field>
        <Field label="Group">{typeof extra.group_id === 'string' ? extra.group_id : '—'}</Field>
        <Field label="Parent">
          {parent ? (
            <Link href={`/tasks/${parent}`} className="text-accent hover:underline">
              {parent}
            </Link>
          ) : (
            '—'
          )}
        </Field>
        {Object.entries(EXTENDED)
          .filter(([k]) => k in extra)
          .map(([k, label]) => (
          <Field key={k} label={label}>
            {k === 'worker' && typeof extra.worker === 'string' ? (
              <Link className="text-accent hover:underline" href={`/workers/${encodeURIComponent(extra.worker)}`}>
                {extra.worker}
              </Link>
            ) : (
              text(extra[k])
            )}
          </Field>
        ))}
      </dl>
      <div>
        <div className="text-xs text-muted">Result</div>
        {exception ? (
          <p className="font-mono text-sm text-bad">{exception}</p>
        ) : (
          <pre tabIndex={0} className="max-h-64 overflow-auto rounded bg-surface-2 p-2 text-xs">
            {JSON.stringify(meta.result, null, 2)}
          </pre>
        )}
      </div>
      {meta.traceback && (
        <details>
          <summary className="cursor-pointer text-xs text-muted">Traceback</summary>
          <pre tabIndex={0} className="mt-1 max-h-96 overflow-auto rounded bg-surface-2 p-2 text-xs">
            {meta.traceback}
          </pre>
        </details>
      )}
      {meta.children.length > 0 && (
        <div className="text-sm">
          <div className="text-xs text-muted">Children ({meta.children.length})</div>
          <ul>
            {meta.children.map((c) => (
              <li key={c}>
                <Link className="font-mono text-accent hover:underline" href={`/tasks/${c}`}>
                  {c}
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
      {others.length > 0 && (
        <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {others.map(([k, v]) => (
            <Field key={k} label={k}>
              {text(v)}
            </Field>
          ))}
        </dl>
      )}
      <details>
        <summary className="cursor-pointer text-xs text-muted">Raw value</summary>
        <pre tabIndex={0} className="mt-1 max-h-96 overflow-auto rounded bg-surface-2 p-2 text-xs">
          {JSON.stringify(meta, null, 2)}
        </pre>
      </details>
    </div>
  );
}
