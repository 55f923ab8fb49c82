import 'server-only';
import { AppError, notFound } from '@/lib/errors';
import { decodeQueueMessage } from '../celery/queue-message';
import type { TrellisContext } from '../context';
import { redisMajorVersion } from '../redis/server-version';
import { FULL_VIEW, redactorFor, redactPeekPage, type RedactView } from '../redaction';
import { peekScript } from './peek-script';
import { probeRefusal } from './probe-script';
import type { PeekPage, PeekedMessage } from './types';

// GET /api/v1/queues/{name}/messages: the waiting messages in the order workers will take them:
// the highest-priority band first, each from its right end (protocol doc §4.1–§4.2). ONE atomic
// call, a read-only script (peek-script.ts): LLEN of every band and exactly the page's messages, a
// message over PEEK_MAX_MESSAGE_BYTES (or past PEEK_MAX_PAGE_BYTES for the page) sent as its size
// alone and shown as "not shown". Bounded: limit ≤ 100, offset ≤ 10,000. A broker that refuses
// scripts gets a MULTI of LLEN and LRANGE per band instead, the same bounds applied on arrival
// (the response stays bounded; that read does not).

export const PEEK_MAX_LIMIT = 100;
export const PEEK_MAX_OFFSET = 10_000;
export const PEEK_MAX_MESSAGE_BYTES = 256 * 1024;
export const PEEK_MAX_PAGE_BYTES = 2 * 1024 * 1024;

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

/** Per band the depth; per band of the page its messages, next to run first (a number: the size of one not sent). */
interface RawPage {
  depths: number[];
  slices: Array<Array<Buffer | number>>;
}

async function readByScript(ctx: TrellisContext, keys: string[], offset: number, size: number): Promise<RawPage> {
  const run = peekScript(ctx.broker, ((await redisMajorVersion(ctx.broker)) ?? 0) >= 7);
  const reply = await run(keys, [offset, size, PEEK_MAX_MESSAGE_BYTES, PEEK_MAX_PAGE_BYTES]);
  const depths = reply.slice(0, keys.length).map(Number);
  const slices: RawPage['slices'] = [];
  for (let i = keys.length; i < reply.length; ) {
    const n = Number(reply[i]);
    slices.push(reply.slice(i + 1, i + 1 + n));
    i += 1 + n;
  }
  return { depths, slices };
}

async function readByMulti(ctx: TrellisContext, bandKeys: ReadonlyArray<{ step: number; key: string }>, offset: number, size: number): Promise<RawPage> {
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
  const depths = bandKeys.map((_, i) => Number(reply(i)) || 0);
  const { plan } = pagePlan(bandKeys.map((b, i) => ({ ...b, depth: depths[i] ?? 0 })), offset, size);
  let budget = PEEK_MAX_PAGE_BYTES;
  const slices = plan.map((p) => {
    const i = bandKeys.findIndex((b) => b.key === p.key);
    const read = (reply(bandKeys.length + i) as Buffer[]).slice().reverse();
    return read.slice(p.from - lo(i), p.to - lo(i)).map((m): Buffer | number => {
      if (m.length > PEEK_MAX_MESSAGE_BYTES || m.length > budget) return m.length;
      budget -= m.length;
      return m;
    });
  });
  return { depths, slices };
}

function notShown(size: number, band: number, position: number): PeekedMessage {
  const why = size > PEEK_MAX_MESSAGE_BYTES ? `over the ${PEEK_MAX_MESSAGE_BYTES / 1024} KiB peek bound per message` : `past the ${PEEK_MAX_PAGE_BYTES / 2 ** 20} MiB peek bound per page`;
  return {
    position, id: null, task: null, argsRepr: null, kwargsRepr: null, eta: null, expires: null, priority: 0, band, retries: null,
    redelivered: false, size, protocol: null, undecodable: `not shown: ${size} bytes, ${why}`,
  };
}

/** One raw message as the peek list shows it (not yet redacted). */
export function peekedMessage(m: Buffer, band: number, position: number): PeekedMessage {
  const d = decodeQueueMessage(m, band);
  return {
    position,
    id: d.id, task: d.task, argsRepr: d.argsRepr, kwargsRepr: d.kwargsRepr, eta: d.eta, expires: d.expires,
    priority: d.priority, band, retries: d.retries, redelivered: d.redelivered, size: d.size,
    protocol: d.protocol, undecodable: d.undecodable,
  };
}

/** The page, its arguments redacted for `view`. */
export async function peekMessages(ctx: TrellisContext, queue: string, offset: number, limit: number, view: RedactView = FULL_VIEW): Promise<PeekPage> {
  if (!Number.isInteger(offset) || offset < 0 || offset > PEEK_MAX_OFFSET) throw new AppError('INVALID_INPUT', `offset: must be an integer from 0 to ${PEEK_MAX_OFFSET}`);
  const size = Math.min(Math.max(1, limit), PEEK_MAX_LIMIT);
  const bandKeys = ctx.celery.queueBandKeys(queue);
  const raw = await readByScript(ctx, bandKeys.map((b) => b.key), offset, size)
    .catch((err: unknown) => {
      if (!probeRefusal(err)) throw err;
      return readByMulti(ctx, bandKeys, offset, size);
    })
    .catch((err: unknown) => {
      // A name whose key holds something else (`_kombu.binding.celery` is a SET) is no queue.
      if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw notFound(`queue "${queue}" (its key is not a list)`);
      throw err;
    });
  const { plan, total } = pagePlan(bandKeys.map((b, i) => ({ ...b, depth: raw.depths[i] ?? 0 })), offset, size);
  const items: PeekedMessage[] = plan.flatMap((p, k) =>
    (raw.slices[k] ?? []).map((m, j): PeekedMessage => {
      if (typeof m === 'number') return notShown(m, p.step, p.position + j);
      return peekedMessage(m, p.step, p.position + j);
    }),
  );
  const page = { queue, depth: total, offset, limit: size, items, nextOffset: offset + size < total ? offset + size : null };
  return redactPeekPage(page, redactorFor(ctx.config), view);
}
