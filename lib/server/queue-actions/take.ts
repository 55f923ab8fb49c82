import 'server-only';
import { notFound } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { archiveKeys, metaFields, newArchiveId, type BandCount } from './archive';
import type { ArchiveSource } from './put-archive';
import { takeIntoArchive } from './take-script';

// Takes a queue's waiting messages into a new archive (take-script.ts): all of them in one call
// (purge, move all: RENAME per band, O(1)), or the next `limit` to run in steps of TAKE_STEP
// messages, each step atomic (move N).

export const TAKE_STEP = 10_000;

export interface Taken extends ArchiveSource {
  archiveId: string;
  bands: BandCount[];
  count: number;
}

export async function takeIntoNewArchive(
  ctx: TrellisContext,
  queue: string,
  how: { kind: 'purge' | 'move'; to?: string; by: string; limit: number | null },
): Promise<Taken> {
  const steps = ctx.config.prioritySteps;
  const archiveId = newArchiveId();
  const at = Date.now() / 1000;
  const keys = archiveKeys(ctx, queue, archiveId, steps);
  const counts = steps.map(() => 0);
  const call = (limit: number) =>
    takeIntoArchive(ctx.broker, {
      sources: ctx.celery.queueBandKeys(queue).map((b) => b.key),
      archives: keys.bands,
      meta: keys.meta,
      index: keys.index,
      limit,
      ttl: ctx.config.archiveRetentionSeconds,
      archiveId,
      created: at,
      fields: metaFields(ctx, { queue, kind: how.kind, to: how.to, by: how.by, at }),
    }).catch((err: unknown) => {
      if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw notFound(`queue "${queue}" (its key is not a list)`);
      throw err;
    });
  let count = 0;
  for (;;) {
    const want = how.limit === null ? -1 : Math.min(TAKE_STEP, how.limit - count);
    if (want === 0) break;
    const got = (await call(want)).map(Number);
    got.forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
    const n = got.reduce((s, x) => s + x, 0);
    count += n;
    if (how.limit === null || n < want) break;
  }
  return { archiveId, keys, steps, queue, count, bands: steps.map((band, i) => ({ band, count: counts[i] ?? 0 })) };
}
