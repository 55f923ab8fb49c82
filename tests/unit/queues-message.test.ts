import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeQueueMessage, decodeUnackedEntry, messageTaskId } from '@/lib/server/celery/queue-message';

type QueueFixture = { plain: string; eta: string; priority: string; expires: string; kwargs: string; lists: Record<string, string[]> };
const q = JSON.parse(readFileSync('tests/fixtures/celery-5.2/queue-messages.json', 'utf8')) as QueueFixture;
const unacked = JSON.parse(readFileSync('tests/fixtures/celery-5.2/unacked.json', 'utf8')) as { hash: Record<string, string> };

describe('queue messages (captured, protocol v2)', () => {
  const band0 = q.lists.orphan ?? [];
  const next = band0[band0.length - 1] ?? '';

  it('decodes the next message to run (the list’s right end) with its headers', () => {
    const m = decodeQueueMessage(next, 0);
    expect(m).toMatchObject({ id: q.plain, task: 'tasks.add', argsRepr: '(1, 2)', kwargsRepr: '{}', protocol: 2, priority: 0, band: 0, retries: 0, redelivered: false, undecodable: null, routingKey: 'orphan', exchange: '' });
    expect(m.size).toBe(Buffer.byteLength(next));
  });

  it('shows eta, expires, kwargs and priority as published', () => {
    const byId = new Map(band0.map((raw) => [decodeQueueMessage(raw).id, decodeQueueMessage(raw)]));
    expect(byId.get(q.eta)?.eta).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(byId.get(q.expires)?.expires).toMatch(/^\d{4}-/);
    expect(byId.get(q.kwargs)?.kwargsRepr).toBe("{'value': {'nested': [1, 'two', None]}}");
    const prio = decodeQueueMessage(q.lists['orphan\u0006\u00166']?.[0] ?? '', 6);
    expect(prio).toMatchObject({ id: q.priority, priority: 7, band: 6 });
    expect(messageTaskId(next)).toBe(q.plain);
  });

  it('handles protocol v1 bodies', () => {
    const body = { task: 'tasks.add', id: 'v1-id', args: [1, 2], kwargs: { a: 1 }, eta: null, expires: null, retries: 2, utc: true };
    const raw = JSON.stringify({ body: Buffer.from(JSON.stringify(body)).toString('base64'), 'content-type': 'application/json', headers: {}, properties: { body_encoding: 'base64', delivery_tag: 't', delivery_info: { exchange: '', routing_key: 'q' }, correlation_id: 'v1-id' } });
    expect(decodeQueueMessage(raw)).toMatchObject({ protocol: 1, id: 'v1-id', task: 'tasks.add', argsRepr: '[1,2]', kwargsRepr: '{"a":1}', retries: 2, undecodable: null });
  });

  it('reports pickle bodies as undecodable but keeps v2 headers; junk is undecodable too', () => {
    const raw = JSON.stringify({ body: 'gASVAAAA', 'content-type': 'application/x-python-serialize', 'content-encoding': 'binary', headers: { task: 'tasks.add', id: 'p1', argsrepr: '(1,)', eta: null }, properties: { body_encoding: 'base64', delivery_tag: 't', delivery_info: { exchange: '', routing_key: 'q', redelivered: true } } });
    expect(decodeQueueMessage(raw)).toMatchObject({ id: 'p1', task: 'tasks.add', argsRepr: '(1,)', undecodable: 'undecodable (application/x-python-serialize)', redelivered: true });
    const v1pickle = JSON.stringify({ body: 'gASV', 'content-type': 'application/x-python-serialize', properties: { body_encoding: 'base64' } });
    expect(decodeQueueMessage(v1pickle).undecodable).toBe('undecodable (application/x-python-serialize)');
    expect(decodeQueueMessage('not json').undecodable).toBe('undecodable (not JSON)');
    expect(decodeQueueMessage('{"x":1}').undecodable).toBe('undecodable (not a kombu envelope)');
  });
});

describe('unacked entries (captured)', () => {
  it('decodes [envelope, exchange, routing_key] with the ETA', () => {
    const entries = Object.entries(unacked.hash).map(([tag, raw]) => ({ tag, e: decodeUnackedEntry(raw) }));
    expect(entries.length).toBe(2);
    for (const { tag, e } of entries) {
      expect(e).toMatchObject({ deliveryTag: tag, exchange: '', routingKey: 'held' });
      expect(e?.eta).toMatch(/^\d{4}-/);
      expect(e?.taskId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(decodeUnackedEntry('[1]')).toBeNull();
    expect(decodeUnackedEntry('garbage')).toBeNull();
  });
});
