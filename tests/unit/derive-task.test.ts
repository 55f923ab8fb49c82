import { describe, expect, it } from 'vitest';
import { deriveTask } from '@/lib/server/tasks/derive';
import type { StoredEvent } from '@/lib/server/tasks/stored-event';

// Event fields as real Celery 5.2 workers send them (protocol doc §5.5).
const ID = 'ca8df7ad-600e-4757-a105-a32e1db63d6e';
const T0 = 1795333003.7;
let clock = 0;
const ev = (type: string, dt: number, fields: Record<string, unknown> = {}, hostname = 'w1@vm'): StoredEvent => ({
  type,
  timestamp: T0 + dt,
  hostname,
  clock: ++clock,
  lr: T0 + dt + 0.01,
  ...fields,
});
const received = (dt: number, retries = 0, host = 'w1@vm') =>
  ev('task-received', dt, { name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, parent_id: retries ? ID : null, retries, eta: null, expires: null }, host);
const sent = (dt: number, retries = 0) =>
  ev('task-sent', dt, { name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, parent_id: retries ? ID : null, retries, queue: 'fast', exchange: '', routing_key: 'fast' }, 'gen7177@vm');

describe('deriving a task from its events', () => {
  it('follows a normal run, whatever order the events arrived in', () => {
    const events = [
      received(0.01),
      ev('task-succeeded', 0.05, { result: '5', runtime: 0.019 }),
      ev('task-started', 0.02),
      sent(0), // task-sent often arrives after task-received
    ];
    const t = deriveTask(ID, { e: events });
    expect(t).toMatchObject({
      state: 'SUCCESS',
      name: 'tasks.flaky',
      worker: 'w1@vm',
      queue: 'fast',
      clientHostname: 'gen7177@vm',
      args: '(2, 3)',
      result: '5',
      runtime: 0.019,
      rootId: ID,
      parentId: null,
      retries: 0,
    });
    expect(t.firstSeen).toBeCloseTo(T0);
    expect(t.events.map((e) => e.type)).toEqual(['task-sent', 'task-received', 'task-started', 'task-succeeded']);
    expect(t.attempts).toHaveLength(1);
    expect(t.attempts[0]).toMatchObject({ outcome: 'succeeded', worker: 'w1@vm', retries: 0 });
  });

  it('lists every attempt of a task that retried and then failed for good', () => {
    const events = [
      sent(0),
      received(0.01),
      ev('task-started', 0.02),
      ev('task-retried', 0.03, { exception: "KeyError('again')", traceback: 'Traceback 1' }),
      sent(0.04, 1),
      received(0.05, 1, 'w2@vm'),
      ev('task-started', 0.35, {}, 'w2@vm'),
      ev('task-retried', 0.36, { exception: "KeyError('again')", traceback: 'Traceback 2' }, 'w2@vm'),
      sent(0.37, 2),
      received(0.38, 2),
      ev('task-started', 0.98),
      ev('task-failed', 0.99, { exception: "ValueError('gave up')", traceback: 'Traceback 3' }),
    ];
    const t = deriveTask(ID, { e: [...events].reverse() });
    expect(t.state).toBe('FAILURE');
    expect(t.retries).toBe(2);
    expect(t.exception).toBe("ValueError('gave up')");
    expect(t.parentId).toBeNull(); // a retry names the task itself as its parent
    expect(t.attempts.map((a) => [a.retries, a.worker, a.outcome, a.exception, a.traceback])).toEqual([
      [0, 'w1@vm', 'retried', "KeyError('again')", 'Traceback 1'],
      [1, 'w2@vm', 'retried', "KeyError('again')", 'Traceback 2'],
      [2, 'w1@vm', 'failed', "ValueError('gave up')", 'Traceback 3'],
    ]);
    expect(t.attempts[1]?.waited).toBeCloseTo(0.3);
    expect(t.attempts[2]?.ran).toBeCloseTo(0.01);
  });

  it("assigns a late task-retried to the run it ended, even after the next run started elsewhere", () => {
    const t = deriveTask(ID, {
      e: [
        received(0),
        ev('task-started', 0.01),
        received(0.02, 1, 'w2@vm'),
        ev('task-started', 0.62, {}, 'w2@vm'),
        ev('task-retried', 0.7, { exception: "KeyError('again')", traceback: 'tb' }), // w1 was slow to send it
        ev('task-failed', 0.8, { exception: "ValueError('gave up')", traceback: 'tb2' }, 'w2@vm'),
      ],
    });
    expect(t.attempts.map((a) => [a.retries, a.worker, a.outcome])).toEqual([
      [0, 'w1@vm', 'retried'],
      [1, 'w2@vm', 'failed'],
    ]);
  });

  it('keeps each ending with the worker that ran it when the next run lost its task-started and the slow worker reports late', () => {
    // Seen under load: run 1 on w1 ends with a task-retried w1 sends only after run 2 (on w2, its
    // task-started lost by Celery 5.2) already failed.
    const t = deriveTask(ID, {
      e: [
        received(0),
        ev('task-started', 0.01),
        received(0.02, 1, 'w2@vm'),
        ev('task-failed', 0.7, { exception: "ValueError('gave up')", traceback: 'tb2' }, 'w2@vm'),
        ev('task-retried', 0.8, { exception: "KeyError('again')", traceback: 'tb' }),
      ],
    });
    expect(t.attempts.map((a) => [a.retries, a.worker, a.outcome, a.exception])).toEqual([
      [0, 'w1@vm', 'retried', "KeyError('again')"],
      [1, 'w2@vm', 'failed', "ValueError('gave up')"],
    ]);
  });

  it('ends in SUCCESS when the retry succeeds, with no exception on the task', () => {
    const t = deriveTask(ID, {
      e: [
        received(0),
        ev('task-started', 0.01),
        ev('task-retried', 0.02, { exception: "IOError('flaky')", traceback: 'tb' }),
        received(0.3, 1),
        ev('task-started', 0.31),
        ev('task-succeeded', 0.32, { result: "'ok'", runtime: 0.01 }),
      ],
    });
    expect(t.state).toBe('SUCCESS');
    expect(t.exception).toBeNull();
    expect(t.attempts.map((a) => a.outcome)).toEqual(['retried', 'succeeded']);
  });

  it("applies Celery's precedence: an older RECEIVED only fills in fields", () => {
    // The worker's clock is ahead of the one that sent task-received again (skew): SUCCESS stays.
    const t = deriveTask(ID, {
      e: [ev('task-succeeded', 0, { result: '1', runtime: 0.1 }), ev('task-received', 5, { name: 'tasks.add', args: '(1,)', retries: 0 })],
    });
    expect(t.state).toBe('SUCCESS');
    expect(t.name).toBe('tasks.add');
    expect(t.args).toBe('(1,)');
  });

  it('records revocation details', () => {
    const t = deriveTask(ID, {
      e: [received(0), ev('task-started', 0.1), ev('task-revoked', 1, { terminated: true, signum: 15, expired: false })],
    });
    expect(t.state).toBe('REVOKED');
    expect(t.revoked).toEqual({ terminated: true, signum: 15, expired: false });
    expect(t.attempts[0]?.outcome).toBe('revoked');
  });

  it('shows a custom state for task-cancelled, as Celery does', () => {
    expect(deriveTask(ID, { e: [received(0), ev('task-started', 0.1), ev('task-cancelled', 0.2)] }).state).toBe('CANCELLED');
  });

  it('moves an unfinished task on with an inferred event reconciled from the result backend', () => {
    const t = deriveTask(ID, {
      e: [received(0), ev('task-started', 0.1), { type: 'trellis-reconciled', state: 'SUCCESS', result: 5, timestamp: T0 + 2, lr: T0 + 10, inferred: true }],
    });
    expect(t.state).toBe('SUCCESS');
    expect(t.result).toBe('5');
    expect(t.worker).toBe('w1@vm');
    expect(t.events.at(-1)).toMatchObject({ type: 'trellis-reconciled', inferred: true });
    expect(t.attempts[0]?.outcome).toBe('succeeded');
  });

  it('reports how many events the per-task cap dropped', () => {
    expect(deriveTask(ID, { e: [received(0)], n: 12 }).eventsTruncated).toBe(12);
  });
});

describe('exceptions as prefork workers report them', () => {
  it("shows the traceback's last line instead of billiard's ExceptionWithTraceback()", () => {
    const t = deriveTask(ID, {
      e: [
        received(0),
        ev('task-started', 0.1),
        ev('task-failed', 0.2, { exception: 'ExceptionWithTraceback()', traceback: 'Traceback (most recent call last):\n  File "tasks.py", line 1\nValueError: gave up after 2 retries\n' }),
      ],
    });
    expect(t.exception).toBe('ValueError: gave up after 2 retries');
    expect(t.attempts[0]?.exception).toBe('ValueError: gave up after 2 retries');
  });
});
