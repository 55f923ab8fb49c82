import Link from 'next/link';
import { TimeAgo } from '@/components/shell/time-mode';

export const INSPECT_TABS = ['active', 'reserved', 'scheduled', 'registered', 'stats', 'conf'] as const;
export type InspectTab = (typeof INSPECT_TABS)[number];

/** The shape of an inspect reply as the API returns it (/api/v1/workers/{hostname}/inspect/{what}). */
interface Reply {
  status: 'ok' | 'no-reply' | 'error';
  reply?: unknown;
  error?: string;
  note?: string;
  elapsedMs: number;
  /** When it was asked for (epoch seconds): the page shows a remembered reply until refreshed. */
  at: number;
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Worker inspection (pidbox), one command per tab, with the time of the reply: the page's live
 *  refresh shows the remembered reply; "Refresh" asks the worker again. "busy, no reply" / "busy or
 *  gone, no reply" are shown as such. */
export function InspectPanel({ hostname, tab, reply }: { hostname: string; tab: InspectTab; reply: Reply }) {
  return (
    <section aria-label="Inspect" className="rounded-lg border border-border bg-surface p-4">
      <nav aria-label="Inspect command" className="mb-3 flex flex-wrap gap-1 text-sm">
        {INSPECT_TABS.map((t) => (
          <Link key={t} href={`/workers/${encodeURIComponent(hostname)}?tab=${t}`} aria-current={t === tab ? 'page' : undefined} className={`rounded px-2 py-0.5 ${t === tab ? 'bg-surface-2 font-medium' : 'text-muted hover:text-text'}`}>
            {t}
          </Link>
        ))}
        <span className="ml-auto flex items-center gap-2 text-xs text-muted">
          <span>
            as of <TimeAgo ts={reply.at} />
          </span>
          <Link href={`/workers/${encodeURIComponent(hostname)}?tab=${tab}&refresh=${reply.at}`} className="rounded border border-border px-2 py-0.5 hover:text-text" prefetch={false}>
            Refresh
          </Link>
        </span>
      </nav>
      {reply.status === 'ok' ? (
        <pre tabIndex={0} className="max-h-96 overflow-auto rounded bg-surface-2 p-2 text-xs" data-testid="inspect-reply">
          {JSON.stringify(reply.reply, null, 2)}
        </pre>
      ) : reply.status === 'no-reply' ? (
        <p className="text-sm text-warn">{capitalize(reply.note ?? 'no reply')}; waited {Math.round(reply.elapsedMs)} ms.</p>
      ) : (
        <p className="text-sm text-bad">The worker answered with an error: {reply.error}</p>
      )}
    </section>
  );
}
