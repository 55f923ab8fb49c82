// A queue's consumers: worker names, the busy ones marked (no inspect reply now, counted from their
// last one), or a "no consumers" badge.

export function ConsumerList({ consumers, busy }: { consumers: string[]; busy: string[] }) {
  if (consumers.length === 0) return <span className="rounded border border-bad/40 bg-bad/10 px-1.5 py-0.5 text-xs font-medium text-bad">no consumers</span>;
  const isBusy = new Set(busy);
  return (
    <>
      {consumers.map((c, i) => (
        <span key={c}>
          {i > 0 && ', '}
          {c}
          {isBusy.has(c) && (
            <span className="ml-1 rounded border border-warn/40 bg-warn/10 px-1 text-xs text-warn" title="No inspect reply now (a solo worker running a task): its queues are those of its last reply">
              busy
            </span>
          )}
        </span>
      ))}
    </>
  );
}
