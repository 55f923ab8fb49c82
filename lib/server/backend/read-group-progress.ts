import 'server-only';
import type { TrellisContext } from '../context';
import { decodeJoinEntry, decodeSavedGroup, type ChordKeys, type JoinEntry } from './group-progress';

// Group/chord keys from the result backend (protocol doc §7.3), for any number of groups in one
// pipeline: the chord join key `.j` (a ZSET, or a LIST when result_chord_ordered is off) with up
// to JOIN_ENTRIES_READ of its entries, its size `.s`, the extra counter `.t` (add_to_chord), and a
// saved group's `celery-taskset-meta-<id>` (only after GroupResult.save()). When the chord's
// callback is sent Celery deletes .j/.s/.t (a failed header leaves them until they expire), so
// "no keys" means complete, expired or never a chord: said as `unknown`, never guessed.

/** Joined entries read per chord: beyond this only the count is known. */
const JOIN_ENTRIES_READ = 1_000;
const COMMANDS_PER_GROUP = 7;

export async function readChordKeys(ctx: TrellisContext, groupIds: string[]): Promise<Map<string, ChordKeys>> {
  const out = new Map<string, ChordKeys>();
  if (groupIds.length === 0) return out;
  const r = ctx.results;
  const pipe = ctx.backend.pipeline();
  for (const g of groupIds) {
    const j = r.chordJoinKey(g);
    // ZCARD/ZRANGE fail with WRONGTYPE on a LIST and LLEN/LRANGE on a ZSET: each answers for one type.
    pipe
      .zcard(j)
      .zrange(j, 0, JOIN_ENTRIES_READ - 1)
      .llen(j)
      .lrange(j, 0, JOIN_ENTRIES_READ - 1)
      .get(r.chordSizeKey(g))
      .get(r.chordExtraKey(g))
      .get(r.groupMetaKey(g));
  }
  const res = (await pipe.exec()) ?? [];
  groupIds.forEach((groupId, n) => {
    const v = (i: number): unknown => {
      const reply = res[n * COMMANDS_PER_GROUP + i];
      return !reply || reply[0] ? null : reply[1];
    };
    const zcard = int(v(0)) ?? 0;
    const llen = int(v(2)) ?? 0;
    const joinType = zcard > 0 ? 'zset' : llen > 0 ? 'list' : 'none';
    const raw = (joinType === 'zset' ? v(1) : joinType === 'list' ? v(3) : []) as string[] | null;
    const joined = Math.max(zcard, llen);
    const decoded = (raw ?? []).map(decodeJoinEntry);
    const entries = decoded.length === joined && decoded.every((e): e is JoinEntry => e !== null) ? decoded : null;
    out.set(groupId, {
      groupId,
      joined,
      joinType,
      entries,
      size: int(v(4)),
      extra: int(v(5)),
      saved: decodeSavedGroup(typeof v(6) === 'string' ? (v(6) as string) : null),
    });
  });
  return out;
}

function int(v: unknown): number | null {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isInteger(n) ? n : null;
}
