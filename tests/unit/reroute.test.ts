import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeQueueMessage } from '@/lib/server/celery/queue-message';
import { isRoutedTo, rerouteMessage } from '@/lib/server/celery/reroute';

// Rerouting a captured Celery 5.2 message (move, restore to another queue): only delivery_info
// changes; the rest stays byte for byte; anything a worker would not accept is refused.

const q = JSON.parse(readFileSync('tests/fixtures/celery-5.2/queue-messages.json', 'utf8')) as { lists: Record<string, string[]> };
const captured = q.lists.orphan ?? [];
const DI = /"delivery_info": \{[^}]*\}/;

describe('rerouteMessage', () => {
  it('rewrites only delivery_info of every captured message (anonymous exchange, the new queue)', () => {
    expect(captured.length).toBeGreaterThan(3);
    for (const raw of captured) {
      const out = rerouteMessage(Buffer.from(raw), 'elsewhere')?.toString() ?? '';
      expect(out.replace(DI, '')).toBe(raw.replace(DI, ''));
      expect(out.match(DI)?.[0]).toBe('"delivery_info": {"exchange": "", "routing_key": "elsewhere"}');
      const view = decodeQueueMessage(out);
      expect([view.routingKey, view.exchange, view.id]).toEqual(['elsewhere', '', decodeQueueMessage(raw).id]);
    }
  });

  it('keeps other delivery_info fields and re-serializes as kombu would when the spelling differs', () => {
    const env = JSON.parse(captured[0] ?? '{}') as { properties: { delivery_info: Record<string, unknown> } };
    env.properties.delivery_info = { routing_key: 'orphan', exchange: 'ex', redelivered: true };
    const compact = JSON.stringify(env); // not kombu's spelling ("a":1, no spaces)
    const out = rerouteMessage(Buffer.from(compact), 'q2')?.toString() ?? '';
    expect(JSON.parse(out)).toEqual({ ...env, properties: { ...env.properties, delivery_info: { routing_key: 'q2', exchange: '', redelivered: true } } });
    expect(isRoutedTo(out, 'q2')).toBe(true);
  });

  it('refuses what a worker would crash on: not JSON, no envelope, no delivery tag, no delivery_info', () => {
    const env = JSON.parse(captured[0] ?? '{}') as { properties: Record<string, unknown> };
    const without = (key: string) => JSON.stringify({ ...env, properties: { ...env.properties, [key]: undefined } });
    for (const bad of ['not json', '{"a": 1}', without('delivery_tag'), without('delivery_info')]) expect(rerouteMessage(Buffer.from(bad), 'q2')).toBeNull();
  });
});
