import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';
import type { DiscoveryStatus } from './types';

// The discovery job's progress as stored in the hash `queueDiscovery` (written by
// discovery-scan.ts in the collecting process, read by every process).

const num = z.coerce.number().finite();
const optionalNum = z.preprocess((v) => (v === '' ? undefined : v), num.optional());

export const DiscoveryStateSchema = z.object({
  /** SCAN cursor where the current pass goes on. */
  cursor: z.string().regex(/^\d+$/).default('0'),
  /** Epoch seconds the current pass started (absent between passes). */
  passStartedAt: optionalNum,
  /** Keys the current pass has examined (SCAN COUNT per call: an estimate, as SCAN reports none). */
  examined: num.default(0),
  /** DBSIZE when the current pass started. */
  keysAtStart: num.default(0),
  lastFullPassAt: optionalNum,
  lastPassSeconds: optionalNum,
});
export type DiscoveryState = z.infer<typeof DiscoveryStateSchema>;

export function parseDiscoveryState(raw: Record<string, string>): DiscoveryState {
  return DiscoveryStateSchema.safeParse(raw).data ?? DiscoveryStateSchema.parse({});
}

export function serializeDiscoveryState(s: DiscoveryState): Record<string, string> {
  const opt = (v: number | undefined) => (v === undefined ? '' : String(v));
  return {
    cursor: s.cursor,
    passStartedAt: opt(s.passStartedAt),
    examined: String(s.examined),
    keysAtStart: String(s.keysAtStart),
    lastFullPassAt: opt(s.lastFullPassAt),
    lastPassSeconds: opt(s.lastPassSeconds),
  };
}

export function discoveryStatus(s: DiscoveryState): DiscoveryStatus {
  const running = s.passStartedAt !== undefined;
  return {
    status: s.lastFullPassAt !== undefined ? 'complete' : 'incomplete',
    lastFullPassAt: s.lastFullPassAt ?? null,
    lastPassSeconds: s.lastPassSeconds ?? null,
    passStartedAt: s.passStartedAt ?? null,
    // Never 1 before the pass ends: SCAN's cursor, not this estimate, says when it is over.
    passProgress: running ? Math.min(0.99, s.examined / Math.max(1, s.keysAtStart)) : null,
  };
}

export async function readDiscoveryStatus(ctx: TrellisContext): Promise<DiscoveryStatus> {
  return discoveryStatus(parseDiscoveryState(await ctx.store.hgetall(ctx.keys.queueDiscovery)));
}
