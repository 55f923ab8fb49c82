import { z } from 'zod';
import type { BackendMeta, ChordCallback, GroupMember, TaskSummary, WorkflowGroup } from '@/lib/schemas/api';
import { parseDateDone } from '../celery/result-meta';

// Group and chord progress from what the result backend and Trellis really hold (protocol doc
// §7.3). Pure. Checked against real Celery 5.2 workers:
// - a chord header's members carry `group_id`; `.s` (size) is set when the header is sent, each
//   finished member adds `[1, id, state, result]` to `.j`; when the last one joins, Celery sends the
//   callback and deletes .j/.s/.t — unless a member failed: then the body is marked FAILURE
//   (ChordError) without running and the keys stay until they expire;
// - a plain group writes nothing under its id (unless saved); its members only carry `group_id`;
// - no event names a group, and the callback's meta names no group: it is recognized by its place.

export const MAX_MEMBERS_SHOWN = 100;
const READY = new Set(['SUCCESS', 'FAILURE', 'REVOKED']);
/** Clock skew allowed between the host that ran a member and the one that sent the callback. */
const CALLBACK_SKEW_S = 1;

export interface JoinEntry {
  id: string;
  state: string;
}

export interface ChordKeys {
  groupId: string;
  /** ZCARD or LLEN of `.j` (0 when absent). */
  joined: number;
  joinType: 'zset' | 'list' | 'none';
  /** The decoded `.j` entries, or null when not all of them were read or decodable. */
  entries: JoinEntry[] | null;
  /** `.s`, and `.t` (members added by add_to_chord). */
  size: number | null;
  extra: number | null;
  /** A saved group's member ids, or null when not saved. */
  saved: string[] | null;
}

/** What is known of one task: its result meta and, when it is in the workflow, its record. */
export interface KnownTask {
  meta: BackendMeta | null;
  summary: TaskSummary | null;
}

const JoinTuple = z.tuple([z.unknown(), z.string(), z.string()]).rest(z.unknown());
const SavedGroup = z.object({ result: z.tuple([z.unknown(), z.array(z.unknown())]) }).loose();

/** A `.j` entry `[1, "<task id>", "<state>", <result>]` (JSON serializer); null otherwise. */
export function decodeJoinEntry(raw: string): JoinEntry | null {
  const t = JoinTuple.safeParse(parseJson(raw));
  return t.success ? { id: t.data[1], state: t.data[2] } : null;
}

/** Member ids of a saved group `{"result": [[gid, null], [[[tid, null], null], …]]}`; null if absent or undecodable. */
export function decodeSavedGroup(raw: string | null): string[] | null {
  if (raw === null) return null;
  const g = SavedGroup.safeParse(parseJson(raw));
  if (!g.success) return null; // pickle-serialized group: not decoded
  return g.data.result[1].flatMap((e) => (Array.isArray(e) && Array.isArray(e[0]) && typeof e[0][0] === 'string' ? [e[0][0]] : []));
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function groupIdOf(meta: BackendMeta | null): string | null {
  const g = meta?.extra.group_id;
  return typeof g === 'string' && g !== '' ? g : null;
}

/** The groups to read: the task's own first, then the workflow's in order, at most `max`. */
export function groupIdsOf(selfId: string, known: Map<string, KnownTask>, max: number): string[] {
  const ids = [groupIdOf(known.get(selfId)?.meta ?? null), ...[...known.values()].map((k) => groupIdOf(k.meta))];
  return [...new Set(ids.filter((g): g is string => g !== null))].slice(0, max);
}

/** A member's state: a joined entry's (final), a ready backend status, Trellis' record, else the backend's. */
function memberState(k: KnownTask | undefined, joined: string | undefined): string {
  if (joined) return joined;
  const status = k?.meta?.status;
  if (status && READY.has(status)) return status;
  return k?.summary?.state ?? status ?? 'PENDING';
}

export function assembleGroups(groupIds: string[], keys: Map<string, ChordKeys>, known: Map<string, KnownTask>): WorkflowGroup[] {
  return groupIds.map((id) => assembleGroup(id, keys.get(id) ?? null, known));
}

function assembleGroup(id: string, k: ChordKeys | null, known: Map<string, KnownTask>): WorkflowGroup {
  const joinedState = new Map((k?.entries ?? []).map((e) => [e.id, e.state]));
  const ids = new Set<string>([...joinedState.keys(), ...(k?.saved ?? [])]);
  for (const [tid, t] of known) if (groupIdOf(t.meta) === id) ids.add(tid);
  const members: GroupMember[] = [...ids].map((tid) => ({ id: tid, state: memberState(known.get(tid), joinedState.get(tid)) }));

  const hasJoinKeys = k !== null && (k.size !== null || k.joinType !== 'none');
  const source: WorkflowGroup['source'] = hasJoinKeys ? 'chord-join' : k?.saved ? 'saved-group' : 'members';
  let size: number | null = null;
  let done: number;
  let succeeded: number | null;
  if (hasJoinKeys) {
    size = k.size === null ? null : k.size + (k.extra ?? 0);
    done = k.joined;
    succeeded = k.entries ? k.entries.filter((e) => e.state === 'SUCCESS').length : null;
  } else {
    if (k?.saved) size = k.saved.length;
    done = members.filter((m) => READY.has(m.state)).length;
    succeeded = members.filter((m) => m.state === 'SUCCESS').length;
  }
  const failed = succeeded === null ? null : done - succeeded;

  const found = findCallback(ids, members, known);
  let callback: ChordCallback | null = null;
  if (found) {
    callback = { status: 'sent', id: found.id, name: found.name, state: found.state, result: found.result };
  } else if (hasJoinKeys) {
    const status = size === null ? 'unknown' : done < size ? 'waiting' : failed !== null && failed > 0 ? 'not-run' : 'unknown';
    callback = { status, id: null, name: null, state: null, result: null };
  }
  return {
    id,
    chord: hasJoinKeys || found !== null,
    source,
    size,
    done,
    succeeded,
    failed,
    members: members.slice(0, MAX_MEMBERS_SHOWN),
    membersKnown: members.length,
    callback,
  };
}

/**
 * The chord callback, when the workflow shows it: the one task in no group, whose parent is a member
 * (the last to finish, for a chord applied on its own) or the members' parent (a chord inside a
 * chain), first seen after every known member had finished (Celery sends it once the last one
 * joined). None while a member is unfinished, and none when more than one task fits.
 */
function findCallback(ids: Set<string>, members: GroupMember[], known: Map<string, KnownTask>): TaskSummary | null {
  if (members.length === 0 || members.some((m) => !READY.has(m.state))) return null;
  const parents = new Set(ids);
  let lastDone = -Infinity;
  for (const id of ids) {
    const t = known.get(id);
    const parent = t?.summary?.parentId ?? (typeof t?.meta?.extra.parent_id === 'string' ? t.meta.extra.parent_id : null);
    if (parent) parents.add(parent);
    const end = parseDateDone(t?.meta?.dateDone ?? null) ?? t?.summary?.ended ?? null;
    if (end !== null) lastDone = Math.max(lastDone, end);
  }
  const fits = [...known.values()].flatMap(({ meta, summary: s }) =>
    s && !ids.has(s.id) && groupIdOf(meta) === null && s.parentId !== null && parents.has(s.parentId) && (s.sent ?? s.received ?? s.firstSeen) >= lastDone - CALLBACK_SKEW_S ? [s] : [],
  );
  return fits.length === 1 ? (fits[0] ?? null) : null;
}
