import 'server-only';
import { decodeQueueMessage } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import type { PeekPage, PeekedMessage } from './types';

// GET /api/v1/queues/{name}/messages: the waiting messages in the order workers will take them:
// the highest-priority band first, each from its right end (protocol doc §4.1–§4.2). Bounded
// LRANGE only (limit ≤ 100), two round trips: LLEN of the bands, then the ranges of this page.

export const PEEK_MAX_LIMIT = 100;

/** Which slice of which band a page covers. `from`/`to` count from the band's next-to-run end. */
export function pagePlan(bands: ReadonlyArray<{ step: number; key: string; depth: number }>, offset: number, limit: number) {
  const plan: Array<{ step: number; key: string; from: number; to: number; position: number }> = [];
  let start = 0;
  for (const b of bands) {
    const end = start + b.depth;
    const from = Math.max(offset, start);
    const to = Math.min(offset + limit, end);
    if (from < to) plan.push({ step: b.step, key: b.key, from: from - start, to: to - start, position: from });
    start = end;
  }
  return { plan, total: start };
}

export async function peekMessages(ctx: TrellisContext, queue: string, offset: number, limit: number): Promise<PeekPage> {
  const size = Math.min(Math.max(1, limit), PEEK_MAX_LIMIT);
  const bandKeys = ctx.celery.queueBandKeys(queue);
  const lens = await ctx.broker.pipeline(bandKeys.map((b) => ['llen', b.key])).exec();
  const bands = bandKeys.map((b, i) => ({ ...b, depth: Number(lens?.[i]?.[1] ?? 0) || 0 }));
  const { plan, total } = pagePlan(bands, offset, size);
  const items: PeekedMessage[] = [];
  if (plan.length > 0) {
    // Index -1 is the next to run; positions from..to-1 are indexes -(to) .. -(from+1).
    const pipe = ctx.broker.pipeline();
    for (const p of plan) pipe.lrangeBuffer(p.key, -p.to, -(p.from + 1));
    const res = (await pipe.exec()) ?? [];
    plan.forEach((p, i) => {
      const [err, value] = res[i] ?? [null, null];
      const raws = !err && Array.isArray(value) ? (value as Buffer[]).slice().reverse() : [];
      raws.forEach((raw, j) => {
        const m = decodeQueueMessage(raw, p.step);
        items.push({
          position: p.position + j,
          id: m.id, task: m.task, argsRepr: m.argsRepr, kwargsRepr: m.kwargsRepr, eta: m.eta, expires: m.expires,
          priority: m.priority, band: p.step, retries: m.retries, redelivered: m.redelivered, size: m.size,
          protocol: m.protocol, undecodable: m.undecodable,
        });
      });
    });
  }
  return { queue, depth: total, offset, limit: size, items, nextOffset: offset + size < total ? offset + size : null };
}
