import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildControlRequest,
  decodeControlReply,
  INSPECT_COMMANDS,
  redactSecrets,
  validateControlMessage,
  type ControlRequestInput,
} from '@/lib/server/celery/control';
import { celeryNames, KOMBU_SEP } from '@/lib/server/celery/names';

const fixtures = JSON.parse(readFileSync('tests/fixtures/celery-5.2/pidbox-replies.json', 'utf8')) as Record<string, { request: string; replies: string[] }>;
const names = celeryNames({ db: 0, keyPrefix: '', prioritySteps: [0, 3, 6, 9], separator: KOMBU_SEP });
const input = (over: Partial<ControlRequestInput> = {}): ControlRequestInput => ({
  method: 'ping',
  timeoutSeconds: 1.5,
  now: 1_800_000_000,
  ticket: '22df9399-0e07-479e-afbd-2a3c09852a5c',
  replyId: 'cbbee669-7396-4f65-8697-d762ecdf855b',
  deliveryTag: 'd3b4d8f7-6513-40a3-a0b7-f1950ef348b1',
  ...over,
});
const decodeBody = (message: string) => JSON.parse(Buffer.from((JSON.parse(message) as { body: string }).body, 'base64').toString('utf8')) as Record<string, unknown>;

describe('control requests (protocol doc §6.2)', () => {
  it('builds the same request body a real ping used (captured fixture)', () => {
    const req = buildControlRequest(names, input());
    expect(decodeBody(req.message)).toEqual(decodeBody(fixtures.ping?.request ?? ''));
    const env = JSON.parse(req.message) as { headers: unknown; properties: unknown };
    expect(env.headers).toEqual({ clock: 1, expires: 1_800_000_001.5 });
    expect(env.properties).toEqual({
      delivery_mode: 2,
      delivery_info: { exchange: 'celery.pidbox', routing_key: '' },
      priority: 0,
      body_encoding: 'base64',
      delivery_tag: 'd3b4d8f7-6513-40a3-a0b7-f1950ef348b1',
    });
    expect(req.channel).toBe('/0.celery.pidbox');
    expect(req.bindingKey).toBe('_kombu.binding.reply.celery.pidbox');
    expect(req.bindingMember).toBe(`cbbee669-7396-4f65-8697-d762ecdf855b${KOMBU_SEP}${KOMBU_SEP}cbbee669-7396-4f65-8697-d762ecdf855b.reply.celery.pidbox`);
    expect(req.replyKey).toBe('cbbee669-7396-4f65-8697-d762ecdf855b.reply.celery.pidbox');
    expect(req.cleanupKeys).toHaveLength(4);
  });

  it('puts global_keyprefix on keys and channel but not inside the binding member', () => {
    const p = celeryNames({ db: 3, keyPrefix: 'myapp:', prioritySteps: [0, 3, 6, 9], separator: KOMBU_SEP });
    const req = buildControlRequest(p, input());
    expect(req.channel).toBe('myapp:/3.celery.pidbox');
    expect(req.bindingKey).toBe('myapp:_kombu.binding.reply.celery.pidbox');
    expect(req.replyKey).toBe('myapp:cbbee669-7396-4f65-8697-d762ecdf855b.reply.celery.pidbox');
    expect(req.bindingMember.startsWith('cbbee669')).toBe(true);
    expect(req.cleanupKeys.every((k) => k.startsWith('myapp:'))).toBe(true);
  });

  it('builds every whitelisted command, with destination and arguments', () => {
    for (const method of INSPECT_COMMANDS) {
      const args = method === 'query_task' ? { ids: ['a'] } : {};
      const req = buildControlRequest(names, input({ method, arguments: args, destination: ['w1@vm'] }));
      expect(decodeBody(req.message)).toMatchObject({ method, arguments: args, destination: ['w1@vm'] });
    }
  });

  it('refuses commands outside the whitelist and bad arguments before anything is published', () => {
    for (const method of ['election', 'hello', 'memdump', 'objgraph', 'bogus'])
      expect(() => buildControlRequest(names, input({ method: method as 'ping' }))).toThrow();
    // Control commands: only their exact arguments (§6.5).
    const bad: Array<[string, Record<string, unknown>]> = [
      ['revoke', {}],
      ['revoke', { task_id: [] }],
      ['revoke', { task_id: 'a', signal: 'SIGSEGV' }],
      ['revoke', { task_id: 'a', terminate: 'yes' }],
      ['revoke', { task_id: 'a b' }],
      ['terminate', { task_id: 'a', terminate: true }],
      ['rate_limit', { task_name: 'tasks.add', rate_limit: '10 per minute' }],
      ['rate_limit', { task_name: 'tasks add', rate_limit: '10/m' }],
      ['time_limit', { task_name: 'tasks.add', soft: -1 }],
      ['pool_grow', { n: 0 }],
      ['pool_shrink', { n: 1.5 }],
      ['autoscale', { max: 2, min: 4 }],
      ['add_consumer', { queue: `q${KOMBU_SEP}1` }],
      ['add_consumer', { queue: 'q', exchange_type: 'headers' }],
      ['cancel_consumer', {}],
      ['pool_restart', { modules: ['os; rm'] }],
      ['shutdown', { force: true }],
      ['enable_events', { x: 1 }],
    ];
    for (const [method, args] of bad) expect(() => buildControlRequest(names, input({ method: method as 'ping', arguments: args })), method).toThrow();
    const good: Array<[string, Record<string, unknown>]> = [
      ['revoke', { task_id: ['a', 'b'], terminate: true, signal: 'SIGKILL' }],
      ['terminate', { task_id: 'a', signal: 'SIGTERM' }],
      ['rate_limit', { task_name: 'tasks.add', rate_limit: '10/m' }],
      ['rate_limit', { task_name: 'tasks.add', rate_limit: null }],
      ['time_limit', { task_name: 'tasks.add', soft: 5, hard: 10 }],
      ['pool_grow', { n: 2 }],
      ['autoscale', { max: 4, min: 2 }],
      ['add_consumer', { queue: 'q4', exchange: 'ex4', exchange_type: 'direct', routing_key: 'rk4' }],
      ['cancel_consumer', { queue: 'q4' }],
      ['disable_events', {}],
      ['pool_restart', { modules: ['tasks'], reload: true }],
      ['shutdown', {}],
    ];
    for (const [method, args] of good) expect(() => buildControlRequest(names, input({ method: method as 'ping', arguments: args })), method).not.toThrow();
    expect(() => buildControlRequest(names, input({ method: 'ping', arguments: { x: 1 } }))).toThrow();
    expect(() => buildControlRequest(names, input({ method: 'query_task', arguments: {} }))).toThrow();
    expect(() => buildControlRequest(names, input({ destination: [] }))).toThrow();
    expect(() => buildControlRequest(names, input({ destination: [`w1${KOMBU_SEP}@vm`] }))).toThrow();
    expect(() => buildControlRequest(names, input({ ticket: 'not-a-uuid' }))).toThrow();
  });

  it('validateControlMessage rejects a hand-made election even in a valid envelope', () => {
    const ok = buildControlRequest(names, input());
    const env = JSON.parse(ok.message) as Record<string, unknown>;
    const body = { ...decodeBody(ok.message), method: 'election', arguments: { id: 'x', topic: 'y', action: 'z' } };
    const evil = JSON.stringify({ ...env, body: Buffer.from(JSON.stringify(body)).toString('base64') });
    expect(() => validateControlMessage(evil, names)).toThrow();
    expect(() => validateControlMessage(ok.message, names)).not.toThrow();
  });
});

describe('control replies (protocol doc §6.3, captured)', () => {
  it('decodes both workers’ ping replies under the ticket', () => {
    const ticket = '22df9399-0e07-479e-afbd-2a3c09852a5c';
    const replies = (fixtures.ping?.replies ?? []).map((r) => decodeControlReply(r, ticket));
    expect(replies).toEqual([
      { kind: 'reply', node: 'w2@vm', result: { ok: 'pong' } },
      { kind: 'reply', node: 'w1@vm', result: { ok: 'pong' } },
    ]);
    expect(decodeControlReply(fixtures.ping?.replies[0] ?? '', 'another-ticket')).toEqual({ kind: 'other-ticket' });
  });

  it('decodes stats and active_queues replies', () => {
    const ticketOf = (m: string) => decodeBody(m).ticket as string;
    const stats = fixtures.stats;
    const s = decodeControlReply(stats?.replies[0] ?? '', ticketOf(stats?.request ?? ''));
    expect(s.kind).toBe('reply');
    if (s.kind === 'reply') expect(s.result).toHaveProperty('pool');
    const aq = fixtures.active_queues;
    const a = decodeControlReply(aq?.replies[0] ?? '', ticketOf(aq?.request ?? ''));
    expect(a.kind === 'reply' && Array.isArray(a.result) && (a.result[0] as { name: string }).name).toBeTruthy();
  });

  it('reports pickle replies as undecodable and junk as malformed', () => {
    const pickle = JSON.stringify({ body: 'gASV', 'content-type': 'application/x-python-serialize', headers: { ticket: 't' }, properties: { body_encoding: 'base64' } });
    expect(decodeControlReply(pickle, 't')).toEqual({ kind: 'undecodable', contentType: 'application/x-python-serialize' });
    expect(decodeControlReply('nope', 't').kind).toBe('malformed');
  });
});

describe('redaction of conf/stats (protocol doc §8.15)', () => {
  it('hides passwords in URLs and secret-looking keys, keeps the rest', () => {
    const conf = {
      broker_url: 'redis://:s3cret@redis.internal:6379/0',
      result_backend: 'redis://user:pw@h/1',
      broker_transport_options: { sentinel_kwargs: { password: 'x' }, visibility_timeout: 10 },
      include: ['tasks'],
      security_key: 'PEM',
      task_acks_late: true,
    };
    const r = redactSecrets(conf) as typeof conf;
    expect(JSON.stringify(r)).not.toMatch(/s3cret|:pw@|"x"|PEM/);
    expect(r.broker_url).toBe('redis://:***@redis.internal:6379/0');
    expect(r.broker_transport_options.visibility_timeout).toBe(10);
    expect(r.include).toEqual(['tasks']);
    expect(r.task_acks_late).toBe(true);
  });
});
