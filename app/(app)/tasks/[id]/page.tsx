import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AttemptCard } from '@/components/tasks/attempt-card';
import { ActionNotes } from '@/components/tasks/action-notes';
import { REVOKE_ACTIONS } from '@/components/tasks/task-action-types';
import { TaskActions } from '@/components/tasks/task-actions';
import { BackendMetaView } from '@/components/tasks/backend-meta';
import { WorkflowTree } from '@/components/tasks/workflow-tree';
import { TimeAgo } from '@/components/shell/time-mode';
import { StateBadge } from '@/components/ui/badges';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { AppError } from '@/lib/errors';
import { formatDuration } from '@/lib/format';
import { RetryButton } from '@/components/tasks/retry-button';
import { canRetry } from '@/lib/server/actions/retry-tasks';
import { actionsFor, currentPrincipal, pageView } from '@/lib/server/auth/page-guard';
import { isRevocableState } from '@/lib/server/actions/revoke-select';
import { getContext } from '@/lib/server/context';
import { backendOutcome } from '@/lib/server/tasks/backend-outcome';
import { getTaskWithWorkflow } from '@/lib/server/tasks/get-task';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Task ${(await params).id.slice(0, 8)}` };
}

export default async function TaskPage({ params }: { params: Promise<{ id: string }> }) {
  const id = decodeURIComponent((await params).id);
  const ctx = getContext();
  const { task, workflow } = await getTaskWithWorkflow(ctx, id, await pageView()).catch((err: unknown) => {
    if (err instanceof AppError && err.code === 'NOT_FOUND') notFound();
    throw err;
  });
  const principal = await currentPrincipal();
  const mayActOnTasks = principal !== null && actionsFor(principal).tasks;
  const mayRetry = mayActOnTasks && canRetry(task.state);
  const mayAct = mayActOnTasks && isRevocableState(task.state);
  const rootId = task.rootId ?? task.id;
  const children = task.backend?.children ?? [];

  const field = (label: string, value: React.ReactNode) => (
    <div className="min-w-0">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="break-words font-mono text-sm">{value ?? '—'}</dd>
    </div>
  );
  const idLink = (value: string | null) =>
    value ? (
      <span className="flex items-center gap-2">
        <Link href={`/tasks/${value}`} className="text-accent hover:underline">
          {value}
        </Link>
        <CopyButton value={value} />
      </span>
    ) : null;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-3">
        <StateBadge state={task.state} />
        <h1 className="font-mono text-xl font-semibold">{task.name ?? '(unknown task)'}</h1>
        <span className="flex items-center gap-2 font-mono text-sm text-muted">
          {task.id} <CopyButton value={task.id} label="Copy id" />
        </span>
        {mayRetry && (
          <span className="ml-auto">
            <RetryButton id={task.id} name={task.name} queue={task.queue} />
          </span>
        )}
        {mayAct && <TaskActions taskId={task.id} actions={REVOKE_ACTIONS} />}
      </div>
      {(task.retryOf || task.retriedAs.length > 0) && (
        <nav aria-label="Retry links" className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
          {task.retryOf && (
            <span>
              Retry of{' '}
              <Link href={`/tasks/${task.retryOf}`} className="font-mono text-accent hover:underline">
                {task.retryOf}
              </Link>
            </span>
          )}
          {task.retriedAs.map((newId) => (
            <span key={newId}>
              Retried as{' '}
              <Link href={`/tasks/${newId}`} className="font-mono text-accent hover:underline">
                {newId}
              </Link>
            </span>
          ))}
        </nav>
      )}
      {task.eventsTruncated > 0 && <p className="text-sm text-warn">{task.eventsTruncated} events of this task were dropped by the per-task history cap.</p>}

      <Card>
        <dl className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          {field('Worker', task.worker ? <Link className="text-accent hover:underline" href={`/workers/${encodeURIComponent(task.worker)}`}>{task.worker}</Link> : null)}
          {field('Queue', task.queue)}
          {field('Retries', task.retries)}
          {field('Runtime', formatDuration(task.runtime))}
          {field('Args', task.args)}
          {field('Kwargs', task.kwargs)}
          {field('Result', task.result)}
          {field('ETA', task.eta)}
          {field('Sent', <TimeAgo ts={task.sent} exact />)}
          {field('Received', <TimeAgo ts={task.received} exact />)}
          {field('Started', <TimeAgo ts={task.started} exact />)}
          {field('Ended', <TimeAgo ts={task.ended} exact />)}
          {field('Parent', idLink(task.parentId))}
          {field('Root', idLink(task.rootId))}
          {field('Sent by', task.clientHostname)}
          {field('Expires', task.expires)}
        </dl>
        {task.exception && <p className="mt-3 font-mono text-sm text-bad">{task.exception}</p>}
      </Card>

      <section aria-label="Attempts" className="space-y-2">
        <h2 className="text-sm font-semibold">Attempts ({task.attempts.length})</h2>
        {task.attempts.map((a, i) => (
          <AttemptCard key={`${a.retries}-${i}`} attempt={a} index={i} />
        ))}
      </section>

      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Timeline">
          <ol className="space-y-1 text-sm" aria-label="Events">
            {task.events.map((e, i) => (
              <li key={i} className="flex flex-wrap gap-x-3">
                <span className="w-52 shrink-0 text-xs text-muted">
                  <TimeAgo ts={e.timestamp ?? e.localReceived} exact />
                </span>
                <span className="font-mono">{e.type}</span>
                <span className="font-mono text-xs text-muted">{e.hostname}</span>
                {e.inferred && <span className="text-xs text-warn">inferred from the result backend</span>}
              </li>
            ))}
          </ol>
          <ActionNotes notes={task.actions} />
        </Card>
        <Card title="Workflow">
          {workflow.length > 1 || children.length > 0 || task.groups.length > 0 ? (
            <WorkflowTree rootId={rootId} tasks={workflow} current={task.id} groups={task.groups} />
          ) : (
            <p className="text-sm text-muted">Not part of a workflow.</p>
          )}
        </Card>
      </div>

      <Card title="Result backend">
        {task.backend ? (
          <BackendMetaView meta={task.backend} {...backendOutcome(task.backend)} />
        ) : (
          <p className="text-sm text-muted">No celery-task-meta entry (never stored, expired, or ignore_result).</p>
        )}
      </Card>
    </div>
  );
}
