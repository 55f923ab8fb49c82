import 'server-only';
import { AppError } from '@/lib/errors';
import { decodeQueueMessage } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import type { PeekPage, PeekedMessage } from './types';

// GET /api/v1/queues/{name}/messages: the waiting messages in the order workers will take them:
// the highest-priority band first, each from its right end (protocol doc §4.1–§4.2). ONE round trip,
// a MULTI (so depths and messages are read at the same moment): LLEN of every band and LRANGE from
// each band's right end — exactly the page in the first band, the first offset + limit positions
// of the others (where the page starts in them depends on the depths before). Bounded: limit ≤ 100,
// offset ≤ 10,000.

export const PEEK_MAX_LIMIT = 100;
export const PEEK_MAX_OFFSET = 10_000;

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
  if (!Number.isInteger(offset) || offset < 0 || offset > PEEK_MAX_OFFSET) throw new AppError('INVALID_INPUT', `offset: must be an integer from 0 to ${PEEK_MAX_OFFSET}`);
  const size = Math.min(Math.max(1, limit), PEEK_MAX_LIMIT);
  const bandKeys = ctx.celery.queueBandKeys(queue);
  // Band i's read covers positions lo..offset+size-1 from its right end (index -1 is the next to run).
  const lo = (i: number) => (i === 0 ? offset : 0);
  const tx = ctx.broker.multi();
  for (const b of bandKeys) tx.llen(b.key);
  bandKeys.forEach((b, i) => tx.lrangeBuffer(b.key, -(offset + size), -(lo(i) + 1)));
  const res = (await tx.exec()) ?? [];
  const reply = (i: number): unknown => {
    const [err, value] = res[i] ?? [new Error('peek: no reply'), null];
    if (err) throw err;
    return value;
  };
  const bands = bandKeys.map((b, i) => ({ ...b, depth: Number(reply(i)) || 0 }));
  // Next to run first: read[j] is position lo + j of the band.
  const read = bandKeys.map((_, i) => (reply(bandKeys.length + i) as Buffer[]).slice().reverse());
  const { plan, total } = pagePlan(bands, offset, size);
  const items: PeekedMessage[] = plan.flatMap((p) => {
    const i = bandKeys.findIndex((b) => b.key === p.key);
    return (read[i] ?? []).slice(p.from - lo(i), p.to - lo(i)).map((raw, j): PeekedMessage => {
      const m = decodeQueueMessage(raw, p.step);
      return {
        position: p.position + j,
        id: m.id, task: m.task, argsRepr: m.argsRepr, kwargsRepr: m.kwargsRepr, eta: m.eta, expires: m.expires,
        priority: m.priority, band: p.step, retries: m.retries, redelivered: m.redelivered, size: m.size,
        protocol: m.protocol, undecodable: m.undecodable,
      };
    });
  });
  return { queue, depth: total, offset, limit: size, items, nextOffset: offset + size < total ? offset + size : null };
}
