import 'server-only';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { rerouteMessage } from '../celery/reroute';
import type { BandCount } from './archive';
import { putBack, putRouted, type ArchiveKeys } from './put-script';

// Empties an archive into a queue, band into band, in steps that are each atomic (put-script.ts).
// Into the archive's own queue the messages go unchanged (byte for byte; an absent band in O(1)).
// Into another queue each envelope is rerouted (delivery_info → the new queue, validated) so that
// a later visibility-timeout restore brings it back there, not to the old queue; a message that is
// no envelope a worker accepts stays in the archive (counted as kept).
// Interrupted (crash, lost connection): what was put is in the queue, the rest still in the
// archive; restoring again continues.

/** Messages per unchanged step (RPOPLPUSH inside one script call; an absent band moves whole). */
export const PUT_STEP = 10_000;
/** Messages per rerouting step, and bytes: each step's messages travel to Trellis and back. */
export const ROUTED_STEP = 2_000;
export const ROUTED_STEP_BYTES = 8 * 2 ** 20;

export interface PutOutcome {
  put: number;
  kept: number;
  bands: BandCount[];
  /** Left in the archive (kept messages, or a restore racing this one). */
  left: number;
}

export interface ArchiveSource {
  keys: ArchiveKeys;
  steps: readonly number[];
  /** The queue it was taken from. */
  queue: string;
}

export function putArchive(ctx: TrellisContext, a: ArchiveSource, target: string): Promise<PutOutcome> {
  return (target === a.queue ? putUnchanged(ctx, a, target) : putRerouted(ctx, a, target)).catch((err: unknown) => {
    // The scripts check the target's keys before changing anything.
    if (err instanceof Error && /WRONGTYPE/.test(err.message)) throw new AppError('CONFLICT', `queue "${target}": its key holds something else than a list`);
    throw err;
  });
}

async function putUnchanged(ctx: TrellisContext, a: ArchiveSource, target: string): Promise<PutOutcome> {
  const targets = a.steps.map((s) => ctx.celery.queueBandKey(target, s));
  const counts = a.steps.map(() => 0);
  let left = 0;
  for (;;) {
    const step = await putBack(ctx.broker, a.keys, targets, PUT_STEP);
    step.moved.forEach((n, i) => (counts[i] = (counts[i] ?? 0) + n));
    left = step.left;
    if (left === 0 || step.moved.every((n) => n === 0)) break;
  }
  return outcome(a.steps, counts, 0, left);
}

async function putRerouted(ctx: TrellisContext, a: ArchiveSource, target: string): Promise<PutOutcome> {
  const counts = a.steps.map(() => 0);
  let kept = 0;
  let left = 0;
  for (const [i, band] of a.keys.bands.entries()) {
    const targetKey = ctx.celery.queueBandKey(target, a.steps[i] ?? 0);
    let keptHere = 0;
    for (;;) {
      const res = (await ctx.broker.multi().hget(a.keys.meta, 'version').llen(band).lrangeBuffer(band, -ROUTED_STEP, -1).exec()) ?? [];
      const version = (res[0]?.[1] as string | null) ?? '0';
      const length = Number(res[1]?.[1] ?? 0);
      const tail = (res[2]?.[1] as Buffer[] | undefined) ?? [];
      const read = boundedByBytes(tail.slice(Math.max(0, tail.length - (length - keptHere))).reverse());
      if (read.length === 0) break;
      const routed: Buffer[] = [];
      const keep: Buffer[] = [];
      for (const m of read) {
        const r = rerouteMessage(m, target);
        if (r) routed.push(r);
        else keep.push(m);
      }
      const l = await putRouted(ctx.broker, a.keys, { band, target: targetKey, version, taken: read.length, routed, kept: keep });
      if (l === null) throw new AppError('CONFLICT', 'another restore of this archive is under way; look at the archive again');
      counts[i] = (counts[i] ?? 0) + routed.length;
      keptHere += keep.length;
      left = l;
    }
    kept += keptHere;
  }
  return outcome(a.steps, counts, kept, left);
}

/** Next to run first; as many as fit the byte bound (at least one). */
function boundedByBytes(messages: Buffer[]): Buffer[] {
  let bytes = 0;
  const out: Buffer[] = [];
  for (const m of messages) {
    if (out.length > 0 && bytes + m.length > ROUTED_STEP_BYTES) break;
    bytes += m.length;
    out.push(m);
  }
  return out;
}

function outcome(steps: readonly number[], counts: number[], kept: number, left: number): PutOutcome {
  const bands = steps.map((band, i) => ({ band, count: counts[i] ?? 0 }));
  return { put: bands.reduce((s, b) => s + b.count, 0), kept, bands, left };
}
