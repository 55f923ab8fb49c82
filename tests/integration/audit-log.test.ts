import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, listAudit, verifyAudit, type AuditEntry } from '@/lib/server/actions/audit-log';
import { runAction } from '@/lib/server/actions/run-action';
import { startRedis } from '../support/redis-server';
import { testContext } from '../support/trellis';

// The audit log on a real Redis: appends from many concurrent callers make one unbroken chain;
// verify finds an edited, a removed and an inserted entry; read-only mode refuses and records it.

let redis: Awaited<ReturnType<typeof startRedis>>;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis.stop());

const principal = { id: 'user:ops', kind: 'user' as const, name: 'ops', role: 'operator' as const };
const entry = (i: number): AuditEntry => ({
  at: Date.now() / 1000,
  actor: { id: principal.id, kind: principal.kind, name: principal.name, role: principal.role },
  action: i % 2 ? 'tasks.revoke' : 'queues.purge',
  target: `t${i}`,
  params: { i },
  previewCount: null,
  outcome: 'ok',
  result: {},
  replies: {},
  error: null,
  requestId: null,
});

describe('audit log', () => {
  it('200 concurrent appends form one chain; list filters; verify detects an edit, a removal and an insertion', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: redis.url(0) });
    try {
      await Promise.all(Array.from({ length: 200 }, (_, i) => appendAudit(ctx, entry(i))));
      const v = await verifyAudit(ctx);
      expect(v).toMatchObject({ ok: true, checked: 200, broken: null });

      const purges = await listAudit(ctx, { action: 'queues.', limit: 500 });
      expect(purges.items).toHaveLength(100);
      const page = await listAudit(ctx, { limit: 30 });
      expect(page.items).toHaveLength(30);
      const next = await listAudit(ctx, { limit: 500, cursor: page.nextCursor ?? undefined });
      expect(next.items).toHaveLength(170);
      expect((next.items[0]?.id ?? '') < (page.items[29]?.id ?? '')).toBe(true);

      // Edit entry #50 in place (rewrite the stream with the same ids, one field changed).
      const rows = (await ctx.store.xrange(ctx.keys.audit, '-', '+')) as Array<[string, string[]]>;
      const rewrite = async (mutate: (id: string, fields: string[], i: number) => string[] | null) => {
        await ctx.store.del(ctx.keys.audit);
        for (const [i, [id, fields]] of rows.entries()) {
          const f = mutate(id, fields, i);
          if (f) await ctx.store.xadd(ctx.keys.audit, id, ...f);
        }
      };
      await rewrite((_, f, i) => (i === 50 ? f.map((x) => x.replace('"target":"t', '"target":"x')) : f));
      expect((await verifyAudit(ctx)).broken).toEqual({ id: rows[50]?.[0], reason: expect.stringMatching(/edited/) });
      await rewrite((_, f, i) => (i === 80 ? null : f));
      expect((await verifyAudit(ctx)).broken).toEqual({ id: rows[81]?.[0], reason: expect.stringMatching(/removed/) });
      await rewrite((_, f, i) => (i === 199 ? null : f));
      expect((await verifyAudit(ctx)).broken?.reason).toMatch(/head/);
    } finally {
      ctx.close();
    }
  });

  it('three processes appending at once (three connections) still make one chain', async () => {
    const ctxs = [0, 1, 2].map(() => testContext({ CELERY_BROKER_URL: redis.url(3) }));
    try {
      await Promise.all(ctxs.flatMap((ctx, p) => Array.from({ length: 60 }, (_, i) => appendAudit(ctx, entry(p * 100 + i)))));
      expect(await verifyAudit(ctxs[0] as (typeof ctxs)[number])).toMatchObject({ ok: true, checked: 180 });
    } finally {
      for (const ctx of ctxs) ctx.close();
    }
  });

  it('read-only mode refuses every action and records the refusal', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: redis.url(1), TRELLIS_READ_ONLY: 'true' });
    try {
      let ran = false;
      await expect(
        runAction({ ctx, principal, requestId: 'r1', action: 'queues.purge', target: 'celery', params: {} }, async () => {
          ran = true;
          return { value: {} };
        }),
      ).rejects.toMatchObject({ code: 'READ_ONLY', status: 403 });
      expect(ran).toBe(false);
      const [last] = (await listAudit(ctx, { limit: 1 })).items;
      expect(last).toMatchObject({ action: 'queues.purge', outcome: 'refused', requestId: 'r1', actor: { name: 'ops' } });
    } finally {
      ctx.close();
    }
  });

  it('a failed action is recorded as failed, a done one with its result', async () => {
    const ctx = testContext({ CELERY_BROKER_URL: redis.url(2) });
    try {
      await expect(runAction({ ctx, principal, requestId: null, action: 'x.fail', target: 'a', params: {} }, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      const done = await runAction({ ctx, principal, requestId: null, action: 'x.ok', target: 'b', params: { n: 1 }, previewCount: 3 }, async () => ({ value: { n: 3 }, result: { revoked: 3 } }));
      expect(done.n).toBe(3);
      const items = (await listAudit(ctx, { limit: 10 })).items;
      expect(items.map((e) => [e.action, e.outcome, e.error])).toEqual([
        ['x.ok', 'ok', null],
        ['x.fail', 'failed', 'the action failed'],
      ]);
      expect(items[0]).toMatchObject({ id: done.auditId, previewCount: 3, result: { revoked: 3 } });
      expect((await verifyAudit(ctx)).ok).toBe(true);
    } finally {
      ctx.close();
    }
  });
});
