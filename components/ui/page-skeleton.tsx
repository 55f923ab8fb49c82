/** Shown while a page's server data loads (same shell, no layout jump). */
export function PageSkeleton({ title }: { title: string }) {
  return (
    <div className="space-y-4" aria-busy="true" aria-label={`Loading ${title}`}>
      <h1 className="text-xl font-semibold">{title}</h1>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-5">
        {Array.from({ length: 5 }, (_, i) => (
          <div key={i} className="h-20 animate-pulse rounded-lg border border-border bg-surface" />
        ))}
      </div>
      <div className="h-64 animate-pulse rounded-lg border border-border bg-surface" />
    </div>
  );
}
