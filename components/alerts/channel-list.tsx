import { Empty } from '@/components/ui/card';
import { ChannelTestButton } from './channel-test-button';
import type { ChannelItem } from './types';

/** The alerts file's channels, redacted (host only: a webhook's path is its secret), each testable. */
export function ChannelList({ channels }: { channels: ChannelItem[] }) {
  if (channels.length === 0) return <Empty>No channel configured: incidents are shown here and in the API, nobody is notified. Add channels in the alerts file (TRELLIS_ALERTS_FILE).</Empty>;
  return (
    <ul className="divide-y divide-border text-sm">
      {channels.map((c) => (
        <li key={c.id} className="flex flex-wrap items-center gap-3 py-2" data-channel={c.id}>
          <span className="font-mono font-medium">{c.id}</span>
          <span className="rounded border border-border px-1.5 text-xs text-muted">{c.type}</span>
          {c.name && <span>{c.name}</span>}
          <span className="font-mono text-xs text-muted">
            {c.targets.join(', ')}
            {c.to?.length ? ` → ${c.to.join(', ')}` : ''}
          </span>
          <span className="ml-auto">
            <ChannelTestButton id={c.id} />
          </span>
        </li>
      ))}
    </ul>
  );
}
