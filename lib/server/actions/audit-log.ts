import 'server-only';
import { createHash } from 'node:crypto';
import { AuditEntrySchema, type AuditEntry, type AuditQuery } from '@/lib/schemas/audit';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';

export type { AuditEntry, AuditOutcome, AuditQuery } from '@/lib/schemas/audit';

// The audit log: one entry per action in a Redis stream of the store, kept
// TRELLIS_AUDIT_RETENTION (90 days). Entries are hash-chained: each holds the hash of the one
// before (`p`) and its own, SHA-256 over `p + "\n" + entry JSON` (`h`). An append is a
// compare-and-set of the chain's head in one script, so concurrent appends from several
// processes never fork the chain (the loser recomputes its hash on the new head and tries again).
// `verifyAudit` walks the stream: an edited, inserted, reordered or deleted entry breaks the chain.

export type AuditRecord = AuditEntry & { id: string };

// KEYS[1] stream, KEYS[2] head; ARGV: expected head, entry JSON, its hash, MINID for retention.
const APPEND = `
local head = redis.call('GET', KEYS[2]) or ''
if head ~= ARGV[1] then return {0, head} end
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[4], '*', 'e', ARGV[2], 'p', ARGV[1], 'h', ARGV[3])
redis.call('SET', KEYS[2], ARGV[3])
return {1, id}
`;

const MAX_ATTEMPTS = 50;

export function chainHash(prev: string, entryJson: string): string {
  return createHash('sha256').update(`${prev}\n${entryJson}`).digest('hex');
}

// Appends from one process are serialized (the head they chain onto is the previous append's), so
// the compare-and-set only ever retries on an append from another process.
const lanes = new WeakMap<object, { tail: Promise<unknown>; head: string | null }>();

/** Appends one entry; returns it with its stream id. */
export function appendAudit(ctx: TrellisContext, entry: AuditEntry): Promise<AuditRecord> {
  let lane = lanes.get(ctx.store);
  if (!lane) lanes.set(ctx.store, (lane = { tail: Promise.resolve(), head: null }));
  const l = lane;
  const run = l.tail.then(() => appendNow(ctx, entry, l));
  l.tail = run.catch(() => undefined);
  return run;
}

async function appendNow(ctx: TrellisContext, entry: AuditEntry, lane: { head: string | null }): Promise<AuditRecord> {
  const json = JSON.stringify(AuditEntrySchema.parse(entry));
  const minId = `${Math.max(0, Math.floor(Date.now() - ctx.config.auditRetentionSeconds * 1000))}-0`;
  let head = lane.head ?? (await ctx.store.get(ctx.keys.auditHead)) ?? '';
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const hash = chainHash(head, json);
    const [ok, value] = (await ctx.store.eval(APPEND, 2, ctx.keys.audit, ctx.keys.auditHead, head, json, hash, minId)) as [number, string];
    if (ok === 1) {
      lane.head = hash;
      return { ...entry, id: value };
    }
    head = value;
    // Another process appended first: back off a little (random, growing), so no process starves.
    await new Promise((r) => setTimeout(r, Math.random() * Math.min(50, 2 * (attempt + 1))));
  }
  lane.head = null;
  throw new AppError('UNAVAILABLE', 'the audit log is too busy to append to: retry');
}

function parseFields(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i] as string] = fields[i + 1] as string;
  return out;
}


const SCAN_BUDGET = 20_000;
const PAGE = 500;

/** Newest first, filtered; at most SCAN_BUDGET entries are examined per call (then a cursor to go on). */
export async function listAudit(ctx: TrellisContext, q: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
  const items: AuditRecord[] = [];
  let end = q.cursor ? `(${q.cursor}` : q.until !== undefined ? `${Math.max(0, Math.floor(q.until * 1000))}-99999999` : '+';
  const start = q.since !== undefined ? `${Math.max(0, Math.floor(q.since * 1000))}-0` : '-'; // a stream id is never negative
  let scanned = 0;
  let lastId: string | null = null;
  while (items.length < q.limit && scanned < SCAN_BUDGET) {
    const rows = (await ctx.store.xrevrange(ctx.keys.audit, end, start, 'COUNT', PAGE)) as Array<[string, string[]]>;
    for (const [id, fields] of rows) {
      scanned += 1;
      lastId = id;
      const parsed = AuditEntrySchema.safeParse(JSON.parse(parseFields(fields).e ?? 'null'));
      if (!parsed.success) continue;
      const e = parsed.data;
      if (q.actor && e.actor.name !== q.actor && e.actor.id !== q.actor) continue;
      if (q.action && (q.action.endsWith('.') ? !e.action.startsWith(q.action) : e.action !== q.action)) continue;
      if (q.target && e.target !== q.target) continue;
      if (q.outcome && e.outcome !== q.outcome) continue;
      items.push({ ...e, id });
      if (items.length >= q.limit) break;
    }
    if (rows.length < PAGE || !lastId) return { items, nextCursor: items.length >= q.limit && lastId ? lastId : null };
    end = `(${lastId}`;
  }
  return { items, nextCursor: lastId };
}

export interface AuditVerification {
  ok: boolean;
  /** Entries checked. */
  checked: number;
  firstId: string | null;
  lastId: string | null;
  /** The first entry that breaks the chain, and how. */
  broken: { id: string; reason: string } | null;
  /** Entries before `firstId` were removed by retention: the chain is verified from there. */
  anchoredAt: string | null;
}

/** Walks the whole stream and recomputes every hash. */
export async function verifyAudit(ctx: TrellisContext): Promise<AuditVerification> {
  const out: AuditVerification = { ok: true, checked: 0, firstId: null, lastId: null, broken: null, anchoredAt: null };
  let prevHash: string | null = null;
  let start = '-';
  for (;;) {
    const rows = (await ctx.store.xrange(ctx.keys.audit, start, '+', 'COUNT', PAGE)) as Array<[string, string[]]>;
    for (const [id, fields] of rows) {
      const f = parseFields(fields);
      out.checked += 1;
      out.firstId ??= id;
      out.lastId = id;
      if (prevHash === null && f.p) out.anchoredAt = f.p;
      const reason =
        f.e === undefined || f.h === undefined || f.p === undefined
          ? 'fields missing'
          : prevHash !== null && f.p !== prevHash
            ? 'does not follow the entry before it (one was removed, inserted or reordered)'
            : chainHash(f.p, f.e) !== f.h
              ? 'its content does not match its hash (edited)'
              : null;
      if (reason) return { ...out, ok: false, broken: { id, reason } };
      prevHash = f.h as string;
    }
    if (rows.length < PAGE) break;
    start = `(${out.lastId}`;
  }
  const head = (await ctx.store.get(ctx.keys.auditHead)) ?? '';
  if ((prevHash ?? '') !== head) return { ...out, ok: false, broken: { id: out.lastId ?? '-', reason: 'the chain head does not match the last entry (entries were removed from the end)' } };
  return out;
}
