import 'server-only';
import type { TrellisContext } from '../context';
import { FULL_VIEW, redactNotice, redactorFor, type RedactView } from '../redaction';
import { liveHub, type HubMessage } from './hub';

// A server-sent events response fed by the hub: a ping every 15 s, cleanup on abort and on cancel,
// Last-Event-ID resume, a bounded queue per client (a slow client gets `resync` instead of growing
// memory), and a capped lifetime so clients reconnect now and then.

const PING_MS = 15_000;
const MAX_QUEUED = 100;
const MAX_LIFETIME_MS = 10 * 60_000;

export function sseResponse(ctx: TrellisContext, request: Request, view: RedactView = FULL_VIEW): Response {
  const encoder = new TextEncoder();
  const hub = liveHub(ctx);
  let cleanup = () => undefined as void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let queued = 0;
      let closed = false;
      const send = (text: string) => {
        if (closed) return;
        // desiredSize ≤ -MAX_QUEUED: the client is not reading; drop and ask it to resync.
        if ((controller.desiredSize ?? 0) < -MAX_QUEUED) {
          queued++;
          return;
        }
        if (queued > 0) {
          queued = 0;
          controller.enqueue(encoder.encode('event: resync\ndata: {}\n\n'));
        }
        controller.enqueue(encoder.encode(text));
      };
      const visible = (m: HubMessage) => (view.hideArgs ? redactNotice(m.notice, redactorFor(ctx.config), view) : m.notice);
      const onMessage = (m: HubMessage) => send(`id: ${m.id}\nevent: update\ndata: ${JSON.stringify(visible(m))}\n\n`);
      const lastId = Number(request.headers.get('last-event-id') ?? NaN);
      const unsubscribe = hub.subscribe(onMessage);
      if (Number.isFinite(lastId)) {
        const missed = hub.since(lastId);
        if (missed === null) send('event: resync\ndata: {}\n\n');
        else for (const m of missed) onMessage(m);
      }
      send('retry: 2000\nevent: ready\ndata: {}\n\n');
      const ping = setInterval(() => send(': ping\n\n'), PING_MS);
      const lifetime = setTimeout(() => cleanup(), MAX_LIFETIME_MS);
      cleanup = () => {
        if (closed) return;
        closed = true;
        clearInterval(ping);
        clearTimeout(lifetime);
        unsubscribe();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      request.signal.addEventListener('abort', () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' },
  });
}
