import 'server-only';
import type { TrellisContext } from '../context';
import type { WriteBatch } from '../store/write-batch';
import { parseIncident, type Incident } from './incident';
import type { Acknowledgement, CycleOutput } from './incidents';
import { parseSilence, type Silence } from './silence';

// Where incidents live: active ones in one hash by dedup key (written by the evaluator only, through
// its fence), resolved ones in a sorted set by resolve time (kept 90 days, capped). Acknowledgements
// and silences are written by any process (API) to their own hashes and read by the evaluator, so
// the two writers never overwrite each other.

export const HISTORY_DAYS = 90;
const HISTORY_CAP = 100_000;

export async function loadActive(ctx: TrellisContext): Promise<Map<string, Incident>> {
  const all = await ctx.store.hgetall(ctx.keys.alertsActive);
  const out = new Map<string, Incident>();
  for (const [key, raw] of Object.entries(all)) {
    const incident = parseIncident(raw);
    if (incident) out.set(key, incident);
  }
  return out;
}

export interface Operators {
  silences: Silence[];
  acks: Map<string, Acknowledgement>;
}

/** Silences (expired ones included: the API lists them until they are a day old) and acknowledgements. */
export async function loadOperators(ctx: TrellisContext): Promise<Operators> {
  const [silencesRaw, acksRaw] = await Promise.all([ctx.store.hgetall(ctx.keys.alertsSilences), ctx.store.hgetall(ctx.keys.alertsAcks)]);
  const silences = Object.values(silencesRaw).flatMap((raw) => parseSilence(raw) ?? []);
  const acks = new Map<string, Acknowledgement>();
  for (const [id, raw] of Object.entries(acksRaw)) {
    try {
      const a = JSON.parse(raw) as Acknowledgement;
      if (typeof a.by === 'string' && typeof a.at === 'number') acks.set(id, a);
    } catch {
      // a malformed acknowledgement is ignored (written by hand?)
    }
  }
  return { silences, acks };
}

/** Queues a cycle's changes: active incidents, resolved ones to history, acknowledgements they no longer need. */
export function writeCycle(batch: WriteBatch, ctx: TrellisContext, out: CycleOutput, now: number): void {
  const k = ctx.keys;
  if (out.upserts.length > 0) batch.hset(k.alertsActive, Object.fromEntries(out.upserts.map((i) => [i.dedupKey, JSON.stringify(i)])));
  const gone = [...out.resolved, ...out.dropped];
  if (gone.length > 0) {
    batch.hdel(k.alertsActive, ...gone.map((i) => i.dedupKey));
    batch.hdel(k.alertsAcks, ...gone.map((i) => i.id));
  }
  for (const i of out.resolved) batch.zadd(k.alertsHistory, i.resolvedAt ?? now, JSON.stringify(i));
  if (out.resolved.length > 0) {
    batch.zremrangebyscore(k.alertsHistory, '-inf', `(${now - HISTORY_DAYS * 86_400}`);
    batch.call('ZREMRANGEBYRANK', k.alertsHistory, 0, -HISTORY_CAP - 1);
  }
}

/** Drops silences that expired more than a day ago (kept that long to show what was muted). */
export function pruneSilences(batch: WriteBatch, ctx: TrellisContext, silences: readonly Silence[], now: number): void {
  const old = silences.filter((s) => s.expiresAt < now - 86_400).map((s) => s.id);
  if (old.length > 0) batch.hdel(ctx.keys.alertsSilences, ...old);
}
