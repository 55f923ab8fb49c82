import 'server-only';
import type { TrellisContext } from '../context';
import { messageTaskId } from '../celery/queue-message';
import { redactorFor, redactPeekPage, type RedactView } from '../redaction';
import { peekedMessage } from '../queues/peek';
import type { PeekedMessage } from '../queues/types';
import type { BandCount } from './archive';

// Reads the first messages to run from a set of band lists (a queue's or an archive's, highest
// priority band first), bounded: dry-run samples and the task ids an action notes.

async function firstMessages(ctx: TrellisContext, bands: readonly string[], limit: number): Promise<Array<{ raw: Buffer; band: number }>> {
  const out: Array<{ raw: Buffer; band: number }> = [];
  for (const [band, key] of bands.entries()) {
    if (out.length >= limit) break;
    const read = await ctx.broker.lrangeBuffer(key, -(limit - out.length), -1);
    for (const raw of read.reverse()) out.push({ raw, band });
  }
  return out;
}

/** The first `limit` messages to run, decoded and redacted for `view`. */
export async function sampleOf(ctx: TrellisContext, queue: string, bands: readonly string[], steps: readonly number[], view: RedactView, limit: number): Promise<PeekedMessage[]> {
  const items = (await firstMessages(ctx, bands, limit)).map((m, i) => peekedMessage(m.raw, steps[m.band] ?? 0, i));
  return redactPeekPage({ queue, depth: items.length, offset: 0, limit, items, nextOffset: null }, redactorFor(ctx.config), view).items;
}

/** The task ids of the first `limit` messages to run. */
export async function firstTaskIds(ctx: TrellisContext, bands: readonly string[], limit: number): Promise<string[]> {
  return (await firstMessages(ctx, bands, limit)).flatMap((m) => messageTaskId(m.raw) ?? []);
}

/** LLEN of every band, in one round trip. */
export async function bandCounts(ctx: TrellisContext, bands: readonly string[], steps: readonly number[]): Promise<BandCount[]> {
  const pipe = ctx.broker.pipeline();
  for (const key of bands) pipe.llen(key);
  const res = (await pipe.exec()) ?? [];
  return steps.map((band, i) => {
    const [err, n] = res[i] ?? [null, 0];
    if (err) throw err;
    return { band, count: Number(n) || 0 };
  });
}
