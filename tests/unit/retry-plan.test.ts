import { describe, expect, it } from 'vitest';
import type { BackendMeta } from '@/lib/schemas/api';
import { planRetry, type KnownTask } from '@/lib/server/actions/retry-plan';

// Where a retry's arguments, name, queue and routing come from, and each reason a task is refused.

const task: KnownTask = { id: 't1', name: 'tasks.charge', queue: 'payments', exchange: '', routingKey: 'payments', args: "(7, 'card')", kwargs: "{'retry': True}" };
const meta = (extra: Record<string, unknown>): BackendMeta => ({ status: 'FAILURE', result: null, traceback: null, children: [], dateDone: null, extra });

describe('planRetry', () => {
  it('takes the extended result first (exact JSON, the registered name)', () => {
    const p = planRetry({ ...task, name: 'shadowed' }, meta({ name: 'tasks.charge', args: [7, 'card', 1.5], kwargs: { retry: true }, queue: 'payments' }), {});
    expect(p).toEqual({ ok: true, id: 't1', source: 'backend', spec: { name: 'tasks.charge', queue: 'payments', args: [7, 'card', 1.5], kwargs: { retry: true }, priority: null } });
  });

  it('reads the repr when the backend has no extended fields', () => {
    expect(planRetry(task, meta({}), { priority: 7 })).toMatchObject({ ok: true, source: 'repr', spec: { args: [7, 'card'], kwargs: { retry: true }, priority: 7 } });
  });

  it('keeps a named exchange and routing key of the original message', () => {
    expect(planRetry({ ...task, exchange: 'billing', routingKey: 'pay.eu' }, null, {})).toMatchObject({ ok: true, spec: { queue: 'payments', exchange: 'billing', routingKey: 'pay.eu' } });
  });

  it('refuses a truncated repr with the reason, and takes the operator’s arguments instead', () => {
    const truncated = { ...task, args: "('xxxx...', ...)" };
    expect(planRetry(truncated, null, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated.*extended/) });
    expect(planRetry(truncated, null, { args: ['typed'] })).toMatchObject({ ok: true, source: 'operator', spec: { args: ['typed'], kwargs: {} } });
  });

  it('says when the name, the queue or the arguments are unknown', () => {
    expect(planRetry({ ...task, name: null }, null, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/name is unknown/) });
    expect(planRetry({ ...task, queue: null, routingKey: null }, null, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/queue is unknown/) });
    expect(planRetry({ ...task, queue: null, routingKey: null }, null, { queue: 'other' })).toMatchObject({ ok: true, spec: { queue: 'other' } });
    expect(planRetry({ ...task, args: null }, null, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/arguments are unknown/) });
    expect(planRetry({ ...task, kwargs: "{'when': datetime.datetime(2026, 1, 1)}" }, null, {})).toMatchObject({ ok: false, reason: expect.stringMatching(/kwargs cannot be read/) });
  });
});
