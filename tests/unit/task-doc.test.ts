import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '@/lib/server/tasks/stored-event';
import { appendEvents, MAX_EVENTS_PER_TASK, parseTaskDoc, serializeTaskDoc } from '@/lib/server/tasks/task-doc';

const ID = '6f300e2d-9b1c-4f0e-8a57-3c1d2b4e5f60';
const T = 1795333003.729983;

const events: StoredEvent[] = [
  { type: 'task-received', timestamp: T + 0.0004, hostname: 'w1@vm', clock: 26, lr: T + 0.012, name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, retries: 0 },
  { type: 'task-sent', timestamp: T, hostname: 'gen7177@vm', clock: 1, lr: T + 0.02, name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, retries: 0, queue: 'fast', exchange: '', routing_key: 'fast' },
  { type: 'task-started', timestamp: T + 0.01, hostname: 'w1@vm', clock: 27, lr: T + 0.021 },
  { type: 'task-retried', timestamp: T + 0.02, hostname: 'w1@vm', clock: 28, lr: T + 0.03, exception: "KeyError('again')", traceback: 'Traceback…' },
  { type: 'task-sent', timestamp: T + 0.03, hostname: 'gen7180@vm', clock: 1, lr: T + 0.04, name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, parent_id: ID, retries: 1, eta: '2026-11-22T07:36:45.325301+00:00', queue: 'fast', exchange: '', routing_key: 'other' },
  { type: 'task-received', timestamp: T + 0.5, hostname: 'w2@vm', clock: 40, lr: T + 0.51, name: 'tasks.flaky', args: '(2, 3)', kwargs: '{}', root_id: ID, parent_id: ID, retries: 1 },
  { type: 'task-custom-thing', timestamp: T + 0.6, hostname: 'w2@vm', clock: 41, lr: T + 0.61, weird_field: { x: [1, 2] }, t: 'not a type code' },
  { type: 'trellis-reconciled', lr: T + 9, inferred: true, state: 'SUCCESS', result: 5 },
];

describe('stored task document', () => {
  it('round-trips every event and field (to the microsecond)', () => {
    const back = parseTaskDoc(serializeTaskDoc({ e: events }, ID), ID);
    expect(back?.e).toHaveLength(events.length);
    back?.e.forEach((e, i) => {
      const want = events[i] as StoredEvent;
      const { timestamp, lr, ...rest } = e;
      const { timestamp: wt, lr: wlr, ...wantRest } = want;
      expect(rest).toEqual(wantRest);
      if (wt === undefined) expect(timestamp).toBeUndefined();
      else expect(timestamp).toBeCloseTo(wt, 6);
      expect(lr).toBeCloseTo(wlr, 3);
    });
  });

  it('is compact: well under half the plain JSON', () => {
    const plain = JSON.stringify({ e: events });
    expect(serializeTaskDoc({ e: events }, ID).length).toBeLessThan(plain.length * 0.6);
  });

  it('keeps the count of events dropped by the cap', () => {
    let doc = { e: [] as StoredEvent[] } as { e: StoredEvent[]; n?: number };
    for (let i = 0; i < MAX_EVENTS_PER_TASK + 30; i++) doc = appendEvents(doc, [{ type: 'task-retried', timestamp: T + i, lr: T + i, hostname: 'w1@vm' }]);
    expect(doc.e).toHaveLength(MAX_EVENTS_PER_TASK);
    expect(doc.n).toBe(30);
    expect(doc.e.at(-1)?.timestamp).toBe(T + MAX_EVENTS_PER_TASK + 29);
    expect(parseTaskDoc(serializeTaskDoc(doc, ID), ID)?.n).toBe(30);
  });

  it('rejects garbage without throwing', () => {
    expect(parseTaskDoc('not json', ID)).toBeNull();
    expect(parseTaskDoc('{"x":1}', ID)).toBeNull();
    expect(parseTaskDoc(null, ID)).toBeNull();
  });
});
