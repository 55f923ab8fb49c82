import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { BackendMeta, TaskSummary, WorkflowGroup } from '@/lib/schemas/api';
import { BackendMetaView } from '@/components/tasks/backend-meta';
import { WorkflowTree } from '@/components/tasks/workflow-tree';
import { progressText } from '@/components/tasks/group-progress';
import { assembleGroups, decodeJoinEntry, decodeSavedGroup, groupIdsOf, type ChordKeys, type KnownTask } from '@/lib/server/backend/group-progress';

// Group and chord progress from result-backend values as real Celery 5.2 workers wrote them.

const G = '3d5ea75d-3ab9-4d3d-a32a-aa0716a25d70';
const ROOT = 'f6d5ab70-63b9-40a7-911a-d9d684537133';

function summary(id: string, over: Partial<TaskSummary> = {}): TaskSummary {
  return {
    id,
    name: 'tasks.add',
    state: 'SUCCESS',
    worker: 'wx@vm',
    queue: 'celery',
    rootId: ROOT,
    parentId: ROOT,
    retries: 0,
    args: null,
    kwargs: null,
    result: null,
    exception: null,
    eta: null,
    expires: null,
    firstSeen: 100,
    lastUpdate: 100,
    sent: 100,
    received: 100,
    started: 100,
    ended: 101,
    runtime: 0.01,
    ...over,
  };
}

function meta(status: string, extra: Record<string, unknown> = {}, dateDone: string | null = '2026-12-01T19:05:01.417688'): BackendMeta {
  return { status, result: null, traceback: null, children: [], dateDone, extra };
}

const noKeys = (groupId: string): ChordKeys => ({ groupId, joined: 0, joinType: 'none', entries: null, size: null, extra: null, saved: null });
const at = (iso: string) => Date.parse(`${iso}Z`) / 1000;

describe('result backend group values', () => {
  it('decodes .j entries and saved groups (captured)', () => {
    expect(decodeJoinEntry('[1, "1ae95c74-2b07-4319-9f42-44c9d4ad7273", "SUCCESS", 0.2]')).toEqual({ id: '1ae95c74-2b07-4319-9f42-44c9d4ad7273', state: 'SUCCESS' });
    expect(decodeJoinEntry('[1, "becd3d89-6da3-40bc-bffa-ad659c78e540", "FAILURE", {"exc_type": "ValueError", "exc_message": ["boom"], "exc_module": "builtins"}]')).toEqual({
      id: 'becd3d89-6da3-40bc-bffa-ad659c78e540',
      state: 'FAILURE',
    });
    expect(decodeJoinEntry('x')).toBeNull();
    expect(decodeJoinEntry('\x80\x04\x95')).toBeNull();
    expect(
      decodeSavedGroup(
        '{"result": [["90973c14-234b-4c8e-9b34-856e05972586", null], [[["0d85f961-320b-46fa-b768-0da57ac94096", null], null], [["ba38ad31-2eed-4c1f-9ef0-8e72a639b0de", null], null]]]}',
      ),
    ).toEqual(['0d85f961-320b-46fa-b768-0da57ac94096', 'ba38ad31-2eed-4c1f-9ef0-8e72a639b0de']);
    expect(decodeSavedGroup(null)).toBeNull();
  });

  it('reads the task’s own group first, then the workflow’s, each once, at most N', () => {
    const known = new Map<string, KnownTask>([
      ['a', { meta: meta('SUCCESS', { group_id: 'g2' }), summary: null }],
      ['b', { meta: meta('SUCCESS', { group_id: 'g2' }), summary: null }],
      ['self', { meta: meta('SUCCESS', { group_id: 'g1' }), summary: null }],
      ['c', { meta: meta('SUCCESS', { group_id: 'g3' }), summary: null }],
      ['d', { meta: null, summary: null }],
    ]);
    expect(groupIdsOf('self', known, 20)).toEqual(['g1', 'g2', 'g3']);
    expect(groupIdsOf('self', known, 2)).toEqual(['g1', 'g2']);
  });
});

describe('assembleGroups', () => {
  it('counts a running chord from .j and sizes it from .s plus .t (add_to_chord)', () => {
    const keys: ChordKeys = { groupId: G, joined: 2, joinType: 'zset', entries: [{ id: 'm1', state: 'SUCCESS' }, { id: 'm2', state: 'FAILURE' }], size: 3, extra: 1, saved: null };
    const [g] = assembleGroups([G], new Map([[G, keys]]), new Map());
    expect(g).toMatchObject({ chord: true, source: 'chord-join', size: 4, done: 2, succeeded: 1, failed: 1, membersKnown: 2, callback: { status: 'waiting' } });
    expect(progressText(g as WorkflowGroup)).toBe('2/4 done');
  });

  it('leaves success/failure unknown when more entries joined than were read', () => {
    const keys: ChordKeys = { groupId: G, joined: 5000, joinType: 'zset', entries: null, size: 6000, extra: null, saved: null };
    expect(assembleGroups([G], new Map([[G, keys]]), new Map())[0]).toMatchObject({ done: 5000, size: 6000, succeeded: null, failed: null, callback: { status: 'waiting' } });
  });

  it('does not claim the callback is lost while the header has just joined without failure', () => {
    const keys: ChordKeys = { groupId: G, joined: 2, joinType: 'list', entries: [{ id: 'm1', state: 'SUCCESS' }, { id: 'm2', state: 'SUCCESS' }], size: 2, extra: null, saved: null };
    expect(assembleGroups([G], new Map([[G, keys]]), new Map())[0]?.callback?.status).toBe('unknown');
  });

  it('finds a chord callback by its place, and only when exactly one task fits', () => {
    const done = '2026-12-01T19:05:04.321042';
    const known = new Map<string, KnownTask>([
      [ROOT, { meta: meta('SUCCESS'), summary: summary(ROOT, { parentId: null, sent: at(done) - 5 }) }],
      ['m1', { meta: meta('SUCCESS', { group_id: G, parent_id: ROOT }, done), summary: summary('m1') }],
      ['m2', { meta: meta('SUCCESS', { group_id: G, parent_id: ROOT }, done), summary: summary('m2') }],
      // A task m1 started while it ran: sent before the members finished, so not the callback.
      ['sub', { meta: meta('SUCCESS'), summary: summary('sub', { parentId: 'm1', sent: at(done) - 3 }) }],
      ['body', { meta: meta('SUCCESS', { parent_id: ROOT }), summary: summary('body', { name: 'tasks.xsum', sent: at(done) + 0.01, result: '6' }) }],
    ]);
    const [g] = assembleGroups([G], new Map([[G, noKeys(G)]]), known);
    expect(g).toMatchObject({ chord: true, source: 'members', size: null, done: 2, membersKnown: 2, callback: { status: 'sent', id: 'body', name: 'tasks.xsum', state: 'SUCCESS', result: '6' } });
    expect(progressText(g as WorkflowGroup)).toBe('2 done · 2 members seen, size unknown');

    known.set('other', { meta: null, summary: summary('other', { parentId: 'm2', sent: at(done) + 1 }) });
    expect(assembleGroups([G], new Map([[G, noKeys(G)]]), known)[0]).toMatchObject({ chord: false, callback: null });
  });

  it('looks for no callback while a member is unfinished', () => {
    const known = new Map<string, KnownTask>([
      ['m1', { meta: meta('STARTED', { group_id: G }, null), summary: summary('m1', { state: 'STARTED', ended: null }) }],
      ['next', { meta: null, summary: summary('next', { parentId: 'm1', sent: 200 }) }],
    ]);
    expect(assembleGroups([G], new Map([[G, noKeys(G)]]), known)[0]).toMatchObject({ chord: false, done: 0, succeeded: 0, failed: 0, members: [{ id: 'm1', state: 'STARTED' }], callback: null });
  });
});

describe('workflow tree', () => {
  it('boxes a group’s members under its progress and marks the callback', () => {
    const members = ['SUCCESS', 'SUCCESS', 'STARTED'].map((state, i) => ({ id: `m${i + 1}`, state }));
    const callback = { status: 'waiting' as const, id: null, name: null, state: null, result: null };
    const group: WorkflowGroup = { id: G, chord: true, source: 'chord-join', size: 3, done: 2, succeeded: 2, failed: 0, members, membersKnown: 3, callback };
    const tasks = [summary(ROOT, { parentId: null }), summary('m1'), summary('m2'), summary('m3', { state: 'STARTED' })];
    const html = renderToStaticMarkup(createElement(WorkflowTree, { rootId: ROOT, tasks, current: ROOT, groups: [group] }));
    expect(html.match(/data-testid="workflow-group"/g)).toHaveLength(1);
    expect(html).toContain('2/3 done');
    expect(html).toContain('aria-valuenow="2"');
    expect(html).toContain('callback pending (1 to go)');

    const after = { ...group, source: 'members' as const, size: null, done: 3, succeeded: 3, callback: { status: 'sent' as const, id: 'body', name: 'tasks.xsum', state: 'SUCCESS', result: '6' } };
    const html2 = renderToStaticMarkup(createElement(WorkflowTree, { rootId: ROOT, tasks: [...tasks, summary('body', { name: 'tasks.xsum' })], current: ROOT, groups: [after] }));
    expect(html2).toContain('3 done · 3 members seen, size unknown');
    expect(html2).toContain(`callback of chord ${G.slice(0, 8)}`);
    expect(html2).toContain('→ 6');
  });

  it('lists a group below the tree when none of its members is boxed in it', () => {
    const group: WorkflowGroup = { id: G, chord: false, source: 'saved-group', size: 2, done: 1, succeeded: 1, failed: 0, members: [{ id: ROOT, state: 'SUCCESS' }], membersKnown: 1, callback: null };
    const html = renderToStaticMarkup(createElement(WorkflowTree, { rootId: ROOT, tasks: [summary(ROOT, { parentId: null })], current: ROOT, groups: [group] }));
    expect(html).toContain('aria-label="Groups"');
    expect(html).toContain('1/2 done');
  });
});

describe('backend meta view', () => {
  it('shows a stored FAILURE as fields: status, exception, folded traceback, extended fields, raw value', () => {
    const failure: BackendMeta = {
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['x'], exc_module: 'builtins' },
      traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 50, in fail\nValueError: x\n',
      children: ['c1e1e21c-0000-4000-8000-000000000000'],
      dateDone: '2026-12-01T19:05:01.440527',
      extra: { group_id: G, name: 'tasks.fail', args: ['x'], kwargs: {}, worker: 'wx@vm', retries: 0, queue: 'celery', task_id: 't1', stamped_headers: ['s'] },
    };
    const html = renderToStaticMarkup(createElement(BackendMetaView, { meta: failure, doneAt: at('2026-12-01T19:05:01.440527'), exception: "ValueError('x')" }));
    expect(html).toContain('data-state="FAILURE"');
    expect(html).toContain('ValueError(&#x27;x&#x27;)');
    expect(html).toMatch(/<details><summary[^>]*>Traceback<\/summary>/);
    expect(html).toContain('dateTime="2026-12-01T19:05:01.440Z"');
    for (const text of ['tasks.fail', '[&quot;x&quot;]', 'href="/workers/wx%40vm"', G, 'href="/tasks/c1e1e21c-0000-4000-8000-000000000000"', 'stamped_headers', 'Raw value']) expect(html).toContain(text);
  });
});
