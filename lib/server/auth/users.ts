import 'server-only';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { TrellisContext } from '../context';
import { logger } from '../logger';
import { hashPassword, isSupportedHash, verifyPassword } from './passwords';
import { ROLES, type Role } from './roles';

// Built-in users (TRELLIS_AUTH=password): those of the users file (TRELLIS_USERS_FILE, YAML or JSON,
// read-only here) and those kept in the store (created at start from TRELLIS_ADMIN_PASSWORD, or by the
// CLI). A name in the file is the file's: the CLI does not shadow it.

const UserSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@-]{1,100}$/, 'letters, digits and _.@- (1–100)'),
    role: z.enum(ROLES),
    password_hash: z.string().refine(isSupportedHash, 'an argon2 ($argon2id$…) or bcrypt ($2b$…) hash'),
  })
  .strict();
const UsersFileSchema = z.object({ users: z.array(UserSchema) }).strict();
export type User = z.infer<typeof UserSchema>;

export class UsersFileError extends Error {
  constructor(file: string, readonly problems: string[]) {
    super(`Invalid users file ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'UsersFileError';
  }
}

const fileCache = new Map<string, User[]>();

export function usersFromFile(file: string | null): User[] {
  if (!file) return [];
  const hit = fileCache.get(file);
  if (hit) return hit;
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsersFileError(file, [`cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`]);
  }
  const parsed = UsersFileSchema.safeParse(raw);
  if (!parsed.success) throw new UsersFileError(file, parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`));
  fileCache.set(file, parsed.data.users);
  return parsed.data.users;
}

async function storeUser(ctx: TrellisContext, name: string): Promise<User | null> {
  const raw = await ctx.store.hget(ctx.keys.authUsers, name);
  if (!raw) return null;
  try {
    const u = UserSchema.safeParse(JSON.parse(raw));
    return u.success ? u.data : null;
  } catch {
    return null;
  }
}

export async function findUser(ctx: TrellisContext, name: string): Promise<User | null> {
  return usersFromFile(ctx.config.auth.usersFile).find((u) => u.name === name) ?? (await storeUser(ctx, name));
}

// Verifying against a fixed hash when the user is unknown keeps the time of a failed login the same.
let decoy: Promise<string> | null = null;

/** The user whose name and password these are, or null. */
export async function checkPassword(ctx: TrellisContext, name: string, password: string): Promise<User | null> {
  const user = await findUser(ctx, name);
  decoy ??= hashPassword('trellis-decoy-password');
  const ok = await verifyPassword(password, user?.password_hash ?? (await decoy));
  return user && ok ? user : null;
}

/** Adds a user to the store, or sets the password/role of one already there (the CLI). */
export async function setStoreUser(ctx: TrellisContext, name: string, role: Role, password: string): Promise<User> {
  if (usersFromFile(ctx.config.auth.usersFile).some((u) => u.name === name)) {
    throw new AppError('CONFLICT', `${name} is defined in the users file (${ctx.config.auth.usersFile}): change it there`);
  }
  if (password.length < 12) throw new AppError('INVALID_INPUT', 'a password of at least 12 characters');
  const user = UserSchema.parse({ name, role, password_hash: await hashPassword(password) });
  await ctx.store.hset(ctx.keys.authUsers, name, JSON.stringify(user));
  return user;
}

export async function listUsers(ctx: TrellisContext): Promise<Array<{ name: string; role: Role; source: 'file' | 'store' }>> {
  const fromFile = usersFromFile(ctx.config.auth.usersFile).map((u) => ({ name: u.name, role: u.role, source: 'file' as const }));
  const stored = Object.values(await ctx.store.hgetall(ctx.keys.authUsers)).flatMap((raw) => {
    try {
      const u = UserSchema.safeParse(JSON.parse(raw));
      return u.success && !fromFile.some((f) => f.name === u.data.name) ? [{ name: u.data.name, role: u.data.role, source: 'store' as const }] : [];
    } catch {
      return [];
    }
  });
  return [...fromFile, ...stored];
}

/** TRELLIS_ADMIN_PASSWORD: creates the user `admin` when no admin exists (the Grafana convention). */
export async function ensureAdmin(ctx: TrellisContext): Promise<void> {
  const password = ctx.config.auth.adminPassword;
  if (!password) return;
  if ((await listUsers(ctx)).some((u) => u.role === 'admin')) return;
  await setStoreUser(ctx, 'admin', 'admin', password);
  logger.info('created the user "admin" from TRELLIS_ADMIN_PASSWORD');
}
