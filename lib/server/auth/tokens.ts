import 'server-only';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { ROLES } from './roles';

// API tokens for scripts: `trellis_<id>_<secret>`, shown once at creation. The store keeps the id,
// name, role, expiry and SHA-256 of the secret (a 256-bit random secret needs no slow hash), never
// the token. A token is checked in constant time; its last use is recorded at most once a minute.

const TOKEN = /^trellis_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$/;
const LAST_USED_EVERY_S = 60;

export const TokenRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
  secretSha256: z.string(),
  createdAt: z.number(),
  createdBy: z.string(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
export type TokenRecord = z.infer<typeof TokenRecordSchema>;
export type TokenView = Omit<TokenRecord, 'secretSha256'> & { lastUsedAt: number | null; status: 'active' | 'expired' | 'revoked' };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const CreateTokenSchema = z
  .object({
    name: z.string().trim().min(1, 'give the token a name (who or what uses it)').max(100),
    role: z.enum(ROLES),
    /** Seconds until it expires; none: never. */
    expiresInSeconds: z.number().int().positive().max(10 * 365 * 86_400).optional(),
  })
  .strict();

export async function createToken(ctx: TrellisContext, input: z.infer<typeof CreateTokenSchema>, createdBy: string): Promise<{ token: string; record: TokenView }> {
  const id = randomUUID().replace(/-/g, '');
  const secret = randomBytes(32).toString('base64url');
  const now = Date.now() / 1000;
  const record: TokenRecord = {
    id,
    name: input.name,
    role: input.role,
    secretSha256: sha256(secret),
    createdAt: now,
    createdBy,
    expiresAt: input.expiresInSeconds ? now + input.expiresInSeconds : null,
    revokedAt: null,
  };
  await ctx.store.hset(ctx.keys.authTokens, id, JSON.stringify(record));
  return { token: `trellis_${id}_${secret}`, record: view(record, null, now) };
}

function parseRecord(raw: string | null | undefined): TokenRecord | null {
  if (!raw) return null;
  try {
    const r = TokenRecordSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

function view(r: TokenRecord, lastUsedAt: number | null, now: number): TokenView {
  const { secretSha256: _, ...rest } = r;
  return { ...rest, lastUsedAt, status: r.revokedAt !== null ? 'revoked' : r.expiresAt !== null && r.expiresAt <= now ? 'expired' : 'active' };
}

export async function listTokens(ctx: TrellisContext): Promise<TokenView[]> {
  const now = Date.now() / 1000;
  const [all, used] = await Promise.all([ctx.store.hvals(ctx.keys.authTokens), ctx.store.hgetall(ctx.keys.authTokensUsed)]);
  return all
    .flatMap((raw) => parseRecord(raw) ?? [])
    .map((r) => view(r, used[r.id] ? Number(used[r.id]) : null, now))
    .sort((a, b) => b.createdAt - a.createdAt);
}

/** Revokes a token (kept, marked revoked, so the list shows who had it). */
export async function revokeToken(ctx: TrellisContext, id: string): Promise<TokenView> {
  const r = parseRecord(await ctx.store.hget(ctx.keys.authTokens, id));
  if (!r) throw new AppError('NOT_FOUND', `No token ${id}`);
  const now = Date.now() / 1000;
  const revoked = { ...r, revokedAt: r.revokedAt ?? now };
  await ctx.store.hset(ctx.keys.authTokens, id, JSON.stringify(revoked));
  const used = await ctx.store.hget(ctx.keys.authTokensUsed, id);
  return view(revoked, used ? Number(used) : null, now);
}

export type TokenCheck = { ok: true; record: TokenRecord } | { ok: false; why: 'malformed' | 'unknown' | 'expired' | 'revoked' };

/** Checks a bearer token: its secret, expiry and revocation. */
export async function verifyToken(ctx: TrellisContext, token: string): Promise<TokenCheck> {
  const m = TOKEN.exec(token);
  if (!m) return { ok: false, why: 'malformed' };
  const [, id = '', secret = ''] = m;
  const r = parseRecord(await ctx.store.hget(ctx.keys.authTokens, id));
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(r?.secretSha256 ?? '0'.repeat(64), 'hex');
  if (!r || a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, why: 'unknown' };
  const now = Date.now() / 1000;
  if (r.revokedAt !== null) return { ok: false, why: 'revoked' };
  if (r.expiresAt !== null && r.expiresAt <= now) return { ok: false, why: 'expired' };
  const last = lastUse.get(id) ?? 0;
  if (now - last >= LAST_USED_EVERY_S) {
    lastUse.set(id, now);
    if (lastUse.size > 10_000) lastUse.clear();
    await ctx.store.hset(ctx.keys.authTokensUsed, id, String(now));
  }
  return { ok: true, record: r };
}

/** When this process last recorded each token's use (so a busy script costs one write a minute). */
const lastUse = new Map<string, number>();
