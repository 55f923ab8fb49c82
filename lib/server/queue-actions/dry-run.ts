import 'server-only';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import type { RedactView } from '../redaction';
import { bandCounts, sampleOf } from './sample';
import { SAMPLE_SIZE, total, type QueueDryRun } from './verb';

// What purge (limit null) or move (the next `limit` to run) would take from a queue: per band the
// count, and the first of them. Nothing changes.

export async function queueDryRun(ctx: TrellisContext, queue: string, limit: number | null, view: RedactView): Promise<QueueDryRun> {
  const bandKeys = ctx.celery.queueBandKeys(queue);
  const keys = bandKeys.map((b) => b.key);
  const steps = bandKeys.map((b) => b.step);
  const now = await bandCounts(ctx, keys, steps).catch((err: unknown) => {
    if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw notFound(`queue "${queue}" (its key is not a list)`);
    throw err;
  });
  let budget = limit ?? Number.POSITIVE_INFINITY;
  const bands = now.map((b) => {
    const count = Math.min(b.count, budget);
    budget -= count;
    return { band: b.band, count };
  });
  const count = total(bands);
  return { dryRun: true, queue, count, bands, sample: await sampleOf(ctx, queue, keys, steps, view, Math.min(SAMPLE_SIZE, count)) };
}
