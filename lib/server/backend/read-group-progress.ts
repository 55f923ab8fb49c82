import 'server-only';
import { z } from 'zod';
import type { TrellisContext } from '../context';

// Group/chord progress from the result backend (protocol doc §7.3), one round trip: the chord
// join key `.j` (a ZSET, or a LIST when result_chord_ordered is off), its size `.s`, the extra
// counter `.t`, and a saved group's `celery-taskset-meta-<id>` (only after GroupResult.save()).
// When the chord completes Celery deletes .j/.s/.t, so "no keys" means complete, expired or
// never a chord: said as `unknown`, never guessed.

export interface GroupProgress {
  groupId: string;
  /** How many header results have been joined so far (ZCARD or LLEN of `.j`). */
  done: number | null;
  /** Chord size (`.s`) plus extra members added by add_to_chord (`.t`). */
  size: number | null;
  joinType: 'zset' | 'list' | 'none';
  /** Member task ids of a saved group (celery-taskset-meta), when saved. */
  members: string[] | null;
  state: 'in-progress' | 'joined' | 'unknown';
}

const SavedGroup = z.object({ result: z.tuple([z.unknown(), z.array(z.unknown())]) }).loose();

function memberIds(raw: string | null): string[] | null {
  if (!raw) return null;
  try {
    const g = SavedGroup.safeParse(JSON.parse(raw));
    if (!g.success) return null;
    return g.data.result[1].flatMap((e) => (Array.isArray(e) && Array.isArray(e[0]) && typeof e[0][0] === 'string' ? [e[0][0]] : []));
  } catch {
    return null; // pickle-serialized group: not decoded
  }
}

const int = (v: unknown): number | null => {
  const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : NaN;
  return Number.isInteger(n) ? n : null;
};

export async function readGroupProgress(ctx: TrellisContext, groupId: string): Promise<GroupProgress> {
  const j = ctx.results.chordJoinKey(groupId);
  const res =
    (await ctx.backend
      .pipeline()
      .type(j)
      .zcard(j)
      .llen(j)
      .get(ctx.results.chordSizeKey(groupId))
      .get(ctx.results.chordExtraKey(groupId))
      .get(ctx.results.groupMetaKey(groupId))
      .exec()) ?? [];
  const v = (i: number) => (res[i]?.[0] ? null : res[i]?.[1]);
  const type = v(0);
  const joinType = type === 'zset' ? 'zset' : type === 'list' ? 'list' : 'none';
  const done = joinType === 'zset' ? int(v(1)) : joinType === 'list' ? int(v(2)) : null;
  const s = int(v(3));
  const size = s === null ? null : s + (int(v(4)) ?? 0);
  const members = memberIds(typeof v(5) === 'string' ? (v(5) as string) : null);
  const state = size !== null && done !== null ? (done >= size ? 'joined' : 'in-progress') : size !== null ? 'in-progress' : 'unknown';
  return { groupId, done: done ?? (size !== null ? 0 : null), size, joinType, members, state };
}
