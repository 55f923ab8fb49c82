import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { hashPassword, isSupportedHash, verifyPassword } from '@/lib/server/auth/passwords';

// New hashes are argon2id; a users file may carry bcrypt ($2a$/$2b$/$2y$, as htpasswd -B writes).
describe('password hashes', () => {
  it('argon2id: hashes and verifies, refuses a wrong password', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('wrong horse battery staple', hash)).toBe(false);
  });

  it('bcrypt: verifies $2b$ and $2y$ hashes', async () => {
    const b = bcrypt.hashSync('s3cret-password', 8);
    expect(isSupportedHash(b)).toBe(true);
    expect(await verifyPassword('s3cret-password', b)).toBe(true);
    expect(await verifyPassword('other', b)).toBe(false);
    expect(await verifyPassword('s3cret-password', b.replace(/^\$2b\$/, '$2y$'))).toBe(true);
  });

  it('a malformed or unknown hash verifies nothing', async () => {
    for (const h of ['', 'plaintext', '$argon2id$broken', '$2b$04$short', '$1$md5crypt$x']) expect(await verifyPassword('x', h)).toBe(false);
    expect(isSupportedHash('$1$md5crypt$x')).toBe(false);
  });
});
