import { describe, expect, it } from 'vitest';
import type { TaskDetail, TaskSummary, WorkflowGroup } from '@/lib/schemas/api';
import type { PeekPage } from '@/lib/server/queues/types';
import { FULL_VIEW } from '@/lib/server/redaction/hide';
import { redactInspectReply } from '@/lib/server/redaction/inspect-replies';
import { redactPeekPage } from '@/lib/server/redaction/peek-page';
import { createRedactor } from '@/lib/server/redaction/redactor';
import { redactNotice, redactTaskDetail } from '@/lib/server/redaction/task-views';

// The views sent out: every place of a task detail, a notice, a peek page and inspect replies, as
// the full view (masked) and as a viewer's under TRELLIS_HIDE_ARGS=viewer (payload hidden).

const r = createRedactor();
const VIEWER = { hideArgs: true };
const SECRET = 's3cr3t';

const summary: TaskSummary = {
  id: 't1', name: 'tasks.login', state: 'FAILURE', worker: 'w1@h', queue: 'celery', rootId: 't1', parentId: null, retries: 1,
  args: `('ann', {'password': '${SECRET}'})`, kwargs: `{'token': '${SECRET}'}`, result: null, exception: `ValueError('password=${SECRET}')`,
  eta: null, expires: null, firstSeen: 1733230000, lastUpdate: 1733230001, sent: 1733230000, received: 1733230000.1, started: 1733230000.2, ended: 1733230001, runtime: 0.8,
};
const group: WorkflowGroup = {
  id: 'g1', chord: true, source: 'members', size: 1, done: 1, succeeded: 1, failed: 0, members: [{ id: 't1', state: 'SUCCESS' }], membersKnown: 1,
  callback: { status: 'sent', id: 'c1', name: 'tasks.join', state: 'SUCCESS', result: `{'secret': '${SECRET}'}` },
};
const detail: TaskDetail & { groups: WorkflowGroup[] } = {
  ...summary,
  traceback: `Traceback (most recent call last):\nValueError: password=${SECRET}`, exchange: '', routingKey: 'celery', clientHostname: 'c@h', revoked: null, eventsTruncated: 0, actions: [], retriedAs: [], retryOf: null,
  events: [{ type: 'task-received', timestamp: 1733230000.1, localReceived: 1733230000.1, hostname: 'w1@h', fields: { args: summary.args, kwargs: summary.kwargs, clock: 1733230000123 } }],
  attempts: [{ retries: 0, worker: 'w1@h', received: null, started: null, ended: null, eta: null, outcome: 'retried', exception: summary.exception, traceback: `E: token=${SECRET}`, waited: null, ran: null }],
  backend: { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: [`password=${SECRET}`] }, traceback: `ValueError: password=${SECRET}`, children: [], dateDone: null, extra: { args: ['ann', { password: SECRET }], kwargs: { token: SECRET }, name: 'tasks.login' } },
  groups: [group],
};

describe('task views', () => {
  it('the full view masks every place a task carries its payload and keeps the rest', () => {
    const out = redactTaskDetail(detail, r, FULL_VIEW);
    expect(JSON.stringify(out)).not.toContain(SECRET);
    expect(out).toMatchObject({
      args: "('ann', {'password': '***'})",
      exception: "ValueError('password=***')",
      events: [{ fields: { kwargs: "{'token': '***'}", clock: 1733230000123 } }],
      attempts: [{ traceback: 'E: token=***' }],
      backend: { result: { exc_type: 'ValueError', exc_message: ['password=***'] }, extra: { args: ['ann', { password: '***' }], kwargs: { token: '***' }, name: 'tasks.login' } },
      groups: [{ callback: { result: "{'secret': '***'}" } }],
    });
    expect(detail.args).toContain(SECRET); // a copy: the input (the store's truth) is not changed
  });

  it("a viewer's view hides the payload and keeps names, states, times and the exception class", () => {
    const out = redactTaskDetail(detail, r, VIEWER);
    const text = JSON.stringify(out);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('password');
    expect(out).toMatchObject({
      name: 'tasks.login', state: 'FAILURE', runtime: 0.8, args: '[hidden]', kwargs: '[hidden]', result: null, exception: 'ValueError', traceback: '[hidden]',
      events: [{ fields: { args: '[hidden]', kwargs: '[hidden]', clock: 1733230000123 } }],
      attempts: [{ exception: 'ValueError', traceback: '[hidden]' }],
      backend: { status: 'FAILURE', result: { exc_type: 'ValueError' }, traceback: '[hidden]', extra: { args: '[hidden]', kwargs: '[hidden]', name: 'tasks.login' } },
      groups: [{ callback: { result: '[hidden]', state: 'SUCCESS' } }],
    });
  });

  it('notices carry redacted summaries', () => {
    const n = { at: 1, tasks: [summary], more: 0, workers: ['w1@h'] };
    expect(redactNotice(n, r, FULL_VIEW).tasks[0]?.kwargs).toBe("{'token': '***'}");
    expect(redactNotice(n, r, VIEWER).tasks[0]).toMatchObject({ args: '[hidden]', kwargs: '[hidden]', exception: 'ValueError' });
  });
});

describe('peek and inspect', () => {
  const page: PeekPage = {
    queue: 'q', depth: 1, offset: 0, limit: 20, nextOffset: null,
    items: [{ position: 0, id: 'm1', task: 'tasks.login', argsRepr: summary.args, kwargsRepr: summary.kwargs, eta: null, expires: null, priority: 0, band: 0, retries: 0, redelivered: false, size: 400, protocol: 2, undecodable: null }],
  };

  it('peeked messages mask, or hide for a viewer, their argsrepr and kwargsrepr', () => {
    expect(redactPeekPage(page, r, FULL_VIEW).items[0]).toMatchObject({ argsRepr: "('ann', {'password': '***'})", kwargsRepr: "{'token': '***'}", task: 'tasks.login' });
    expect(redactPeekPage(page, r, VIEWER).items[0]).toMatchObject({ argsRepr: '[hidden]', kwargsRepr: '[hidden]', task: 'tasks.login' });
  });

  it('inspect replies mask requests (values and reprs) and settings; a viewer sees no arguments', () => {
    const scheduled = [{ eta: '2026-12-03T16:00:00', priority: 0, request: { id: 't1', name: 'tasks.login', args: ['ann', { password: SECRET }], kwargs: { api_key: SECRET }, hostname: 'w1@h' } }];
    expect(redactInspectReply('scheduled', scheduled, r, FULL_VIEW)).toEqual([{ ...scheduled[0], request: { ...scheduled[0]?.request, args: ['ann', { password: '***' }], kwargs: { api_key: '***' } } }]);
    expect(redactInspectReply('scheduled', scheduled, r, VIEWER)).toEqual([{ ...scheduled[0], request: { ...scheduled[0]?.request, args: '[hidden]', kwargs: '[hidden]' } }]);
    const conf = { broker_url: 'redis://:pw@h/0', key: 'k', task_default_queue: 'celery' };
    expect(redactInspectReply('conf', conf, r, VIEWER)).toEqual({ broker_url: 'redis://:***@h/0', key: '***', task_default_queue: 'celery' });
  });
});
