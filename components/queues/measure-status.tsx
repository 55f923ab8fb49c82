import { formatDuration, formatRelative } from '@/lib/format';

// When the collecting process measured what the queue pages show, and whether queue discovery has
// covered the whole broker keyspace yet (until then, a queue known only by its binding may be missing).

interface DiscoveryStatus {
  status: 'complete' | 'incomplete';
  lastFullPassAt: number | null;
  lastPassSeconds: number | null;
  passProgress: number | null;
}

export function MeasureStatus({ sampledAt, discovery, now }: { sampledAt: number | null; discovery: DiscoveryStatus; now: number }) {
  const progress = discovery.passProgress === null ? '' : ` (this pass ~${Math.round(discovery.passProgress * 100)} % of the broker keyspace)`;
  return (
    <div className="space-y-1 text-sm" data-testid="queues-measure-status">
      <p className="text-muted">
        {sampledAt === null ? 'Not measured yet: no collecting process has sampled the broker.' : `Measured ${formatRelative(sampledAt, now)} by the collecting process.`}
        {discovery.lastFullPassAt !== null && ` Last full discovery pass ${formatRelative(discovery.lastFullPassAt, now)} (${formatDuration(discovery.lastPassSeconds)}).`}
      </p>
      {discovery.status === 'incomplete' && (
        <p role="status" className="rounded border border-warn/40 bg-warn/10 p-2 text-warn">
          Queue discovery incomplete{progress}: queues known only by their kombu binding may be missing until the first full pass ends.
        </p>
      )}
    </div>
  );
}
