import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildWorkflow } from '@/lib/server/workflows/model';
import type { WorkflowInput, WorkflowModel } from '@/lib/server/workflows/types';
import type { StoredEvent } from '@/lib/server/tasks/stored-event';

// The workflow model on real traffic captured by scripts/capture-workflows.ts (real workers, Celery
// 5.2). Tasks are found by name and args (as the events report them), never by a copied id.

const Fixture = z.object({
  root: z.string(),
  driver: z.record(z.string(), z.unknown()),
  tasks: z.record(z.string(), z.array(z.looseObject({ type: z.string(), lr: z.number() }))),
  metas: z.record(z.string(), z.string()),
  groups: z.record(z.string(), z.string()),
  chords: z.record(z.string(), z.object({ s: z.string().nullable(), j: z.array(z.string()).nullable(), t: z.string().nullable() })),
});
type Fixture = z.infer<typeof Fixture>;

function load(name: string): Fixture {
  return Fixture.parse(JSON.parse(readFileSync(path.join(__dirname, '../fixtures/workflows', `${name}.json`), 'utf8')));
}

function inputOf(f: Fixture, now = 4e9): WorkflowInput {
  const chordKeys = Object.fromEntries(
    Object.entries(f.chords).map(([g, c]) => [g, { size: c.s === null ? null : Number(c.s), joined: c.j, extra: c.t === null ? null : Number(c.t) }]),
  );
  return { rootId: f.root, events: f.tasks as Record<string, StoredEvent[]>, metas: f.metas, savedGroups: f.groups, chordKeys, now };
}

/** The id of the one task with this name and args repr, e.g. ('tasks.add', '(2, 2)'). */
function idOf(f: Fixture, name: string, args: string): string {
  const ids = Object.entries(f.tasks)
    .filter(([, evs]) => evs.some((e) => e.name === name && e.args === args))
    .map(([id]) => id);
  expect(ids, `${name}${args}`).toHaveLength(1);
  return ids[0] ?? '';
}

function ids(f: Fixture, calls: Array<[string, string]>): string[] {
  return calls.map(([n, a]) => idOf(f, n, a)).sort();
}

function groupWith(m: WorkflowModel, member: string) {
  const g = m.groups.find((x) => x.members.includes(member));
  if (!g) throw new Error(`no group holds ${member}`);
  return { ...g, members: [...g.members].sort() };
}

describe('workflow model: chain → chord (a task and a chord whose body is a group) → group', () => {
  const f = load('nested');
  const m = buildWorkflow(inputOf(f));
  const root = idOf(f, 'tasks.add', '(1, 1)');
  const joined = idOf(f, 'tasks.echo', "['joined']");

  it('has every task of the canvas once, each final, under the root', () => {
    expect(m.rootId).toBe(root);
    expect(m.tasks).toHaveLength(9);
    expect(new Set(m.tasks.map((t) => t.state))).toEqual(new Set(['SUCCESS']));
    expect(m.tasks[0]?.id).toBe(root);
  });

  it('has exactly three groups, members are real tasks only, done never above size', () => {
    expect(m.groups).toHaveLength(3);
    const known = new Set(m.tasks.map((t) => t.id));
    for (const g of m.groups) {
      expect(g.members.every((id) => known.has(id))).toBe(true);
      expect(g.done).toBeLessThanOrEqual(g.size);
    }
    // Ids in the saved group that are no task (the inner chord's result ids) never become members.
    const savedIds = Object.values(f.groups).join(' ').match(/[0-9a-f-]{36}/g) ?? [];
    const phantoms = savedIds.filter((id) => !known.has(id));
    expect(phantoms.length).toBeGreaterThan(0);
    expect(m.groups.flatMap((g) => g.members).filter((id) => phantoms.includes(id))).toEqual([]);
  });

  it('the outer chord: its header task and the inner chord body group Celery counts into it (3/3), callback unknown', () => {
    const outer = groupWith(m, idOf(f, 'tasks.add', '(2, 2)'));
    expect(outer.kind).toBe('chord');
    expect(outer.evidence).toBe('saved-nested');
    expect(outer.members).toEqual(
      [idOf(f, 'tasks.add', '(2, 2)'), ...Object.entries(f.tasks).filter(([, e]) => e.some((x) => x.name === 'tasks.echo' && x.args === '([6, 8],)')).map(([id]) => id)].sort(),
    );
    expect([outer.size, outer.done, outer.sizeKnown]).toEqual([3, 3, false]);
    expect(outer.callback?.fate).toBe('unknown');
    expect(outer.callback?.id).toBeNull();
  });

  it('the inner chord is recognised from the results tree: 2/2', () => {
    const inner = groupWith(m, idOf(f, 'tasks.add', '(3, 3)'));
    expect(inner.kind).toBe('chord');
    expect(inner.evidence).toBe('results-tree');
    expect(inner.members).toEqual(ids(f, [['tasks.add', '(3, 3)'], ['tasks.add', '(4, 4)']]));
    expect([inner.size, inner.done]).toEqual([2, 2]);
  });

  it('the last group is a plain group sent by the chord callback', () => {
    const last = groupWith(m, idOf(f, 'tasks.add', '(5, 5)'));
    expect(last.kind).toBe('group');
    expect(last.callback).toBeNull();
    expect(last.members).toEqual(ids(f, [['tasks.add', '(5, 5)'], ['tasks.add', '(6, 6)']]));
    expect(m.edges.filter((e) => e.from === joined).map((e) => e.to).sort()).toEqual(last.members);
  });

  it('edges follow parent ids; succeeded, with start, end and a critical path from the root', () => {
    expect(m.edges).toHaveLength(8);
    expect(m.edges.every((e) => e.kind === 'parent')).toBe(true);
    expect(m.state).toEqual({ status: 'succeeded', at: null });
    expect(m.start).toBe(Math.min(...m.tasks.map((t) => t.sent ?? Infinity)));
    expect(m.end).toBe(Math.max(...m.tasks.map((t) => t.ended ?? 0)));
    expect(m.criticalPath.slice(0, 2)).toEqual([root, joined]);
    expect(m.criticalPath).toHaveLength(3);
  });
});

describe('workflow model: a chord whose member fails', () => {
  const f = load('chord-fail');
  const m = buildWorkflow(inputOf(f));
  const failing = idOf(f, 'tasks.fail', "('member broke',)");

  it('one chord of 3, all joined, the callback will not run because the member failed', () => {
    expect(m.tasks).toHaveLength(4);
    expect(m.groups).toHaveLength(1);
    const g = groupWith(m, failing);
    expect(g).toMatchObject({ kind: 'chord', evidence: 'chord-keys', size: 3, sizeKnown: true, done: 3 });
    expect(g.members).toEqual(ids(f, [['tasks.add', '(1, 1)'], ['tasks.fail', "('member broke',)"], ['tasks.add', '(2, 2)']]));
    expect(g.callback).toEqual({ id: null, fate: 'will-not-run', why: `member ${failing} failed (ChordError)` });
  });

  it('the workflow failed at the failing member', () => {
    expect(m.state).toEqual({ status: 'failed', at: failing });
    expect(m.tasks.find((t) => t.id === failing)?.state).toBe('FAILURE');
    expect(m.end).not.toBeNull();
  });

  it('while the header runs (one member joined of 3), the callback waits and the workflow runs, then is stuck', () => {
    const input = inputOf(f);
    const gid = Object.keys(f.chords)[0] ?? '';
    const first = input.chordKeys[gid]?.joined?.slice(0, 1) ?? [];
    const firstId = z.tuple([z.number(), z.string()]).rest(z.unknown()).parse(JSON.parse(first[0] ?? '[]'))[1];
    // The root and the first member finished; the other members were only sent.
    const early = Object.fromEntries(Object.entries(f.tasks).map(([id, evs]) => [id, id === f.root || id === firstId ? evs : evs.filter((e) => e.type === 'task-sent')]));
    const metas = { [f.root]: f.metas[f.root] ?? '', [firstId]: f.metas[firstId] ?? '' };
    const lastSeen = Math.max(...Object.values(early).flat().map((e) => e.lr));
    const partial = { ...input, events: early as Record<string, StoredEvent[]>, metas, chordKeys: { [gid]: { size: 3, joined: first, extra: null } } };
    const w = buildWorkflow({ ...partial, now: lastSeen + 1 });
    expect(w.groups).toEqual([{ id: gid, kind: 'chord', evidence: 'chord-keys', size: 3, sizeKnown: true, done: 1, members: [firstId], callback: { id: null, fate: 'waiting', why: null } }]);
    expect(w.state).toEqual({ status: 'running', at: null });
    expect(w.end).toBeNull();
    const stuck = buildWorkflow({ ...partial, now: lastSeen + 3600 });
    expect(stuck.state.status).toBe('stuck');
    expect(['tasks.add', 'tasks.fail']).toContain(stuck.tasks.find((t) => t.id === stuck.state.at)?.name);
    expect(stuck.tasks.find((t) => t.id === stuck.state.at)?.state).toBe('PENDING');
  });
});

describe('workflow model: a chord with a revoked member', () => {
  const f = load('revoked');
  const m = buildWorkflow(inputOf(f));
  const revoked = z.string().parse(f.driver.revoked);

  it('one chord of 2, the callback will not run because the member was revoked; failed at it', () => {
    expect(m.tasks).toHaveLength(3);
    const g = groupWith(m, revoked);
    expect(g).toMatchObject({ kind: 'chord', size: 2, done: 2 });
    expect(g.callback).toEqual({ id: null, fate: 'will-not-run', why: `member ${revoked} revoked (ChordError)` });
    expect(m.tasks.find((t) => t.id === revoked)?.state).toBe('REVOKED');
    expect(m.state).toEqual({ status: 'failed', at: revoked });
  });
});
