import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeEventMessage, type TaskEvent } from '@/lib/server/celery/events';
import { decodeResultMeta } from '@/lib/server/celery/result-meta';
import { deriveTask } from '@/lib/server/tasks/derive';
import { toStoredEvent } from '@/lib/server/tasks/stored-event';
import { parseTaskDoc, serializeTaskDoc } from '@/lib/server/tasks/task-doc';

// Real traffic captured from Celery 5.2.6 workers (prefork w1, threads w2) running the `workload`
// scenario (scripts/capture-fixtures.ts): decoding and merging must reproduce what happened.

interface Fixture {
  workload: { states: Record<string, string>; retry_fail: string; retry_success: string; revoked_running: string };
  messages: Array<{ channel: string; data: string }>;
}
const fx = JSON.parse(readFileSync('tests/fixtures/celery-5.2/events-workload.json', 'utf8')) as Fixture;
const metas = JSON.parse(readFileSync('tests/fixtures/celery-5.2/result-meta.json', 'utf8')) as Record<string, string | null>;

function decodeAll() {
  const byTask = new Map<string, TaskEvent[]>();
  let workerEvents = 0;
  let malformed = 0;
  let emptyLists = 0;
  fx.messages.forEach((m, i) => {
    const r = decodeEventMessage(Buffer.from(m.data), 1795333000 + i);
    if (!r.ok) {
      malformed++;
      return;
    }
    if (r.value.tasks.length === 0 && r.value.workers.length === 0 && /task\.multi$/.test(m.channel)) emptyLists++;
    workerEvents += r.value.workers.length;
    for (const ev of r.value.tasks) byTask.set(ev.uuid, [...(byTask.get(ev.uuid) ?? []), ev]);
  });
  return { byTask, workerEvents, malformed, emptyLists };
}

describe('captured Celery 5.2 events', () => {
  const { byTask, workerEvents, malformed } = decodeAll();

  it('decode without a single malformed message', () => {
    expect(malformed).toBe(0);
    expect(workerEvents).toBeGreaterThan(3); // online, heartbeats, offline
    expect(byTask.size).toBe(Object.keys(fx.workload.states).length);
  });

  it('merge to the state the result backend recorded, for every task whose final event was sent', () => {
    let compared = 0;
    for (const [id, events] of byTask) {
      const t = deriveTask(id, { e: events.map(toStoredEvent) });
      const sawFinal = events.some((e) => ['task-succeeded', 'task-failed', 'task-revoked'].includes(e.type));
      if (!sawFinal) continue; // a threads-pool worker holds its last batch until its next event
      compared++;
      expect([id, t.state]).toEqual([id, fx.workload.states[id]]);
    }
    expect(compared).toBeGreaterThanOrEqual(12);
  });

  it('survive the store codec unchanged', () => {
    for (const [id, events] of byTask) {
      const doc = { e: events.map(toStoredEvent) };
      const back = parseTaskDoc(serializeTaskDoc(doc, id), id);
      expect(deriveTask(id, back ?? { e: [] }).state).toBe(deriveTask(id, doc).state);
      expect(back?.e.map((e) => [e.type, e.hostname, e.name, e.args])).toEqual(doc.e.map((e) => [e.type, e.hostname, e.name, e.args]));
    }
  });

  it('give every attempt of the retried task', () => {
    const events = byTask.get(fx.workload.retry_fail) ?? [];
    const t = deriveTask(fx.workload.retry_fail, { e: events.map(toStoredEvent) });
    expect(t.attempts.map((a) => a.retries)).toEqual([0, 1, 2]);
    expect(t.attempts.slice(0, 2).map((a) => a.outcome)).toEqual(['retried', 'retried']);
  });

  it('decode the result backend values', () => {
    for (const [id, raw] of Object.entries(metas)) {
      const meta = decodeResultMeta(raw);
      expect([id, meta?.status]).toEqual([id, fx.workload.states[id]]);
    }
    const failed = decodeResultMeta(metas[fx.workload.retry_fail] ?? null);
    expect(failed?.traceback).toMatch(/Traceback/);
    expect(failed?.extra).toMatchObject({ name: 'tasks.retry_then_fail', retries: 2 });
  });
});

describe('a capture in which a threads-pool worker lost events (Celery 5.2 EventDispatcher race)', () => {
  const lost = JSON.parse(readFileSync('tests/fixtures/celery-5.2/events-workload-lost-started.json', 'utf8')) as Fixture;
  const byTask = new Map<string, TaskEvent[]>();
  lost.messages.forEach((m, i) => {
    const r = decodeEventMessage(Buffer.from(m.data), 1795333000 + i);
    if (r.ok) for (const ev of r.value.tasks) byTask.set(ev.uuid, [...(byTask.get(ev.uuid) ?? []), ev]);
  });

  it('still gives every attempt of the retried task, even with a task-started missing', () => {
    const id = lost.workload.retry_fail;
    const t = deriveTask(id, { e: (byTask.get(id) ?? []).map(toStoredEvent) });
    expect(t.attempts.map((a) => a.retries)).toEqual([0, 1, 2]);
    expect(t.attempts.map((a) => a.outcome)).toEqual(['retried', 'retried', lost.workload.states[id] === 'FAILURE' ? 'failed' : t.attempts[2]?.outcome]);
  });

  it('merges every task that sent a final event to the backend state', () => {
    for (const [id, events] of byTask) {
      if (!events.some((e) => ['task-succeeded', 'task-failed', 'task-revoked'].includes(e.type))) continue;
      expect([id, deriveTask(id, { e: events.map(toStoredEvent) }).state]).toEqual([id, lost.workload.states[id]]);
    }
  });
});
