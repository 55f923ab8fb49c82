import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="py-12 text-center">
      <h1 className="text-lg font-semibold">Not found</h1>
      <p className="mt-1 text-sm text-muted">Trellis has no record of this. It may have been removed by retention, or never seen.</p>
      <Link href="/tasks" className="mt-3 inline-block text-accent underline">
        Back to tasks
      </Link>
    </div>
  );
}
