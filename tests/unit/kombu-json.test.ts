import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { kombuJson } from '@/lib/server/celery/kombu-json';

// kombuJson must write what kombu writes: every message a real Celery 5.2 client put on a queue
// (captured in the fixture) re-serializes to the same bytes.

const Fixture = z.object({ lists: z.record(z.string(), z.array(z.string())) });

describe('kombuJson', () => {
  it('re-serializes real kombu messages byte for byte', () => {
    const { lists } = Fixture.parse(JSON.parse(readFileSync('tests/fixtures/celery-5.2/queue-messages.json', 'utf8')));
    const messages = Object.values(lists).flat();
    expect(messages.length).toBeGreaterThan(3);
    for (const raw of messages) expect(kombuJson(JSON.parse(raw))).toBe(raw);
  });

  it('escapes non-ASCII as Python does', () => {
    expect(kombuJson({ name: 'café', list: [1, null, true] })).toBe('{"name": "caf\\u00e9", "list": [1, null, true]}');
  });
});
