import { describe, expect, it } from 'vitest';
import { celeryNames, DEFAULT_PRIORITY_STEPS } from '@/lib/server/celery/names';
import { buildTaskMessage, MAX_TASK_MESSAGE_BYTES, pythonIsoUtc, validateTaskMessage, type TaskSpec } from '@/lib/server/celery/task-message';

// Task messages (protocol doc §3): the message built is the captured one of §3.1 field for field,
// lands in the right band key, and the validator refuses every malformed variant of it.

const names = celeryNames({ db: 0, keyPrefix: 'pfx:', prioritySteps: DEFAULT_PRIORITY_STEPS, separator: '\x06\x16' });
const ids = { id: 'ca8df7ad-600e-4757-a105-a32e1db63d6e', deliveryTag: '63964182-9774-464d-ad99-e84ca36b64c4', origin: 'trellis@test' };
const build = (spec: TaskSpec) => buildTaskMessage(names, spec, ids);

describe('buildTaskMessage', () => {
  it('builds the captured add.delay(2, 3) message (§3.1), save origin and reply_to', () => {
    const built = build({ name: 'tasks.add', args: [2, 3] });
    const env = JSON.parse(built.message) as Record<string, Record<string, unknown>>;
    expect(Buffer.from(String(env.body), 'base64').toString()).toBe('[[2,3],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]');
    expect(env.headers).toEqual({
      lang: 'py', task: 'tasks.add', id: ids.id, shadow: null, eta: null, expires: null, group: null, group_index: null, retries: 0,
      timelimit: [null, null], root_id: ids.id, parent_id: null, argsrepr: '(2, 3)', kwargsrepr: '{}', origin: 'trellis@test', ignore_result: false,
    });
    expect(env.properties).toEqual({
      correlation_id: ids.id, reply_to: '', delivery_mode: 2, delivery_info: { exchange: '', routing_key: 'celery' }, priority: 0, body_encoding: 'base64', delivery_tag: ids.deliveryTag,
    });
    expect(built).toMatchObject({ listKey: 'pfx:celery', bindingKey: 'pfx:_kombu.binding.celery', bindingMember: 'celery\x06\x16\x06\x16celery' });
  });

  it('picks the band for the priority (§4.2), writes eta/expires as Python does, keeps routing', () => {
    expect(build({ name: 't.x', queue: 'q', priority: 7 }).listKey).toBe('pfx:q\x06\x166');
    expect(build({ name: 't.x', queue: 'q', priority: 9 }).listKey).toBe('pfx:q\x06\x169');
    expect(build({ name: 't.x', queue: 'q', priority: 2 }).listKey).toBe('pfx:q');
    const eta = new Date(Date.UTC(2026, 10, 22, 7, 36, 45, 325));
    const env = JSON.parse(build({ name: 't.x', eta, expires: '2026-11-23T00:00:00.000000+00:00', exchange: 'ex4', routingKey: 'rk4', timeLimit: [60, 30] }).message);
    expect(env.headers).toMatchObject({ eta: '2026-11-22T07:36:45.325000+00:00', expires: '2026-11-23T00:00:00.000000+00:00', timelimit: [60, 30] });
    expect(env.properties.delivery_info).toEqual({ exchange: 'ex4', routing_key: 'rk4' });
    expect(pythonIsoUtc(new Date(0))).toBe('1970-01-01T00:00:00.000000+00:00');
  });

  it('marks a long repr as truncated the way Celery does', () => {
    const env = JSON.parse(build({ name: 't.x', args: ['y'.repeat(3000)] }).message);
    expect(env.headers.argsrepr).toMatch(/, \.\.\.$/);
    expect(env.headers.argsrepr.length).toBeLessThanOrEqual(1029);
  });

  const refused: Array<[string, TaskSpec]> = [
    ['empty name', { name: '' }],
    ['name with spaces', { name: 'tasks add' }],
    ['name with NUL', { name: 'tasks.\u0000add' }],
    ['kombu separator in queue', { name: 't.x', queue: 'q\x06\x163' }],
    ['broker key as queue', { name: 't.x', queue: 'unacked' }],
    ['binding as queue', { name: 't.x', queue: '_kombu.binding.celery' }],
    ['pidbox as queue', { name: 't.x', queue: 'w1@h.celery.pidbox' }],
    ['NaN in args', { name: 't.x', args: [NaN] }],
    ['Infinity in kwargs', { name: 't.x', kwargs: { a: Infinity } }],
    ['undefined in args', { name: 't.x', args: [undefined] }],
    ['a Date in args', { name: 't.x', args: [new Date()] }],
    ['a function', { name: 't.x', kwargs: { f: () => 1 } }],
    ['a bigint', { name: 't.x', args: [10n] }],
    ['too deep', { name: 't.x', args: [JSON.parse(`${'['.repeat(80)}${']'.repeat(80)}`)] }],
    ['too large', { name: 't.x', args: ['x'.repeat(MAX_TASK_MESSAGE_BYTES)] }],
    ['priority 10', { name: 't.x', priority: 10 }],
    ['priority -1', { name: 't.x', priority: -1 }],
    ['priority 1.5', { name: 't.x', priority: 1.5 }],
    ['eta not ISO', { name: 't.x', eta: 'tomorrow' }],
    ['eta naive', { name: 't.x', eta: '2026-11-22T07:36:45.325301' }],
    ['eta impossible', { name: 't.x', eta: '2026-02-31T00:00:00.000000+00:00' }],
    ['eta invalid Date', { name: 't.x', eta: new Date(NaN) }],
    ['eta past year 9999', { name: 't.x', eta: new Date(8.64e15) }],
    ['negative time limit', { name: 't.x', timeLimit: [-1, null] }],
    ['unknown field', { name: 't.x', callbacks: [] } as unknown as TaskSpec],
    ['args not an array', { name: 't.x', args: { a: 1 } } as unknown as TaskSpec],
  ];
  it.each(refused)('refuses %s', (_, spec) => {
    expect(() => build(spec)).toThrow();
  });
});

describe('validateTaskMessage', () => {
  const good = JSON.parse(build({ name: 'tasks.add', args: [2, 3] }).message) as Record<string, unknown>;
  const headers = good.headers as Record<string, unknown>;
  const properties = good.properties as Record<string, unknown>;
  const variant = (patch: Record<string, unknown>) => JSON.stringify({ ...good, ...patch });
  const body = (text: string) => variant({ body: Buffer.from(text).toString('base64') });

  it('accepts the good message', () => {
    expect(() => validateTaskMessage(JSON.stringify(good))).not.toThrow();
  });

  const malformed: Array<[string, string]> = [
    ['not JSON', '{"body":'],
    ['no delivery_tag (crashes a worker)', variant({ properties: { ...properties, delivery_tag: undefined } })],
    ['no delivery_info (crashes a worker)', variant({ properties: { ...properties, delivery_info: undefined } })],
    ['no task header (read as protocol v1)', variant({ headers: { ...headers, task: undefined } })],
    ['no argsrepr', variant({ headers: { ...headers, argsrepr: undefined } })],
    ['an extra header', variant({ headers: { ...headers, x: 1 } })],
    ['correlation id not the id', variant({ properties: { ...properties, correlation_id: 'other' } })],
    ['pickle content type', variant({ 'content-type': 'application/x-python-serialize' })],
    ['body not base64', variant({ body: '%%%' })],
    ['body base64 of invalid JSON', body('[[1],{},')],
    ['body with two elements', body('[[1],{}]')],
    ['body with four elements', body('[[1],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null},1]')],
    ['embed with a callback', body('[[1],{},{"callbacks":[{"task":"x"}],"errbacks":null,"chain":null,"chord":null}]')],
    ['kwargs an array', body('[[1],[],{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]')],
    ['body invalid UTF-8', variant({ body: Buffer.from([0x5b, 0xff, 0x5d]).toString('base64') })],
    ['body JSON not canonical (NaN would become null)', body('[[1e999],{},{"callbacks":null,"errbacks":null,"chain":null,"chord":null}]')],
    ['priority 10', variant({ properties: { ...properties, priority: 10 } })],
    ['delivery tag not a UUID', variant({ properties: { ...properties, delivery_tag: 'x' } })],
    ['default exchange with a non-queue routing key', variant({ properties: { ...properties, delivery_info: { exchange: '', routing_key: 'unacked' } } })],
    ['retries not 0', variant({ headers: { ...headers, retries: 3 } })],
    ['eta naive', variant({ headers: { ...headers, eta: '2026-11-22T07:36:45' } })],
    ['over the size bound', variant({ headers: { ...headers, argsrepr: 'x'.repeat(MAX_TASK_MESSAGE_BYTES) } })],
  ];
  it.each(malformed)('refuses %s', (_, message) => {
    expect(() => validateTaskMessage(message)).toThrow();
  });
});
