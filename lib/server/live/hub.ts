import 'server-only';
import type Redis from 'ioredis';
import type { UpdateNotice } from '@/lib/schemas/api';
import type { TrellisContext } from '../context';
import { createRedisClient } from '../redis/client';
import { FULL_VIEW, redactNotice, redactorFor } from '../redaction';

// One in-process hub per server process: a single subscriber on the store's updates channel (the
// collector publishes there after each flush, whichever process collects), fanned out to
// reference-counted listeners. The last RING notices are kept with ids so a reconnecting browser
// can resume from Last-Event-ID. The subscription closes when the last listener leaves. Notices are
// redacted on arrival (secret keys, cards, URL passwords); sse.ts hides payloads per viewer.

const RING = 256;

export interface HubMessage {
  id: number;
  notice: UpdateNotice;
}

type Listener = (m: HubMessage) => void;

class LiveHub {
  private readonly listeners = new Set<Listener>();
  private readonly ring: HubMessage[] = [];
  private nextId = 1;
  private sub: Redis | null = null;

  constructor(private readonly ctx: TrellisContext) {}

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    if (!this.sub) this.open();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.close();
    };
  }

  /** Messages after `lastId` still in the ring, or null when the client is too far behind. */
  since(lastId: number): HubMessage[] | null {
    const first = this.ring[0];
    if (!first || lastId >= this.nextId - 1) return [];
    if (lastId < first.id - 1) return null;
    return this.ring.filter((m) => m.id > lastId);
  }

  private open(): void {
    const sub = createRedisClient(this.ctx.config.store, 'hub', { maxRetriesPerRequest: null });
    this.sub = sub;
    sub.on('message', (_channel: string, data: string) => {
      let notice: UpdateNotice;
      try {
        notice = redactNotice(JSON.parse(data) as UpdateNotice, redactorFor(this.ctx.config), FULL_VIEW); // redacted once, for every listener
      } catch {
        return;
      }
      const m = { id: this.nextId++, notice };
      this.ring.push(m);
      if (this.ring.length > RING) this.ring.shift();
      for (const l of this.listeners) l(m);
    });
    void sub.subscribe(this.ctx.keys.updatesChannel).catch(() => undefined);
  }

  private close(): void {
    this.sub?.disconnect();
    this.sub = null;
  }
}

const g = globalThis as unknown as { __trellisHub?: Map<string, LiveHub> };

export function liveHub(ctx: TrellisContext): LiveHub {
  g.__trellisHub ??= new Map();
  const key = `${ctx.config.store.url}|${ctx.keys.prefix}`;
  let hub = g.__trellisHub.get(key);
  if (!hub) g.__trellisHub.set(key, (hub = new LiveHub(ctx)));
  return hub;
}
