import 'server-only';
import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

// Password hashes: new ones are argon2id (the library's defaults, OWASP's recommendation); a users
// file may also carry bcrypt hashes ($2a$/$2b$/$2y$, what htpasswd -B writes). No hand-rolled crypto.

export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password);
}

export function isSupportedHash(hash: string): boolean {
  return hash.startsWith('$argon2') || /^\$2[aby]\$\d\d\$/.test(hash);
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  try {
    if (hash.startsWith('$argon2')) return await argon2Verify(hash, password);
    if (/^\$2[aby]\$/.test(hash)) return await bcrypt.compare(password, hash);
  } catch {
    // a malformed hash verifies nothing
  }
  return false;
}
