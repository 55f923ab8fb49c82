// `npm run trellis -- <command>`: administration that needs no running server, against the store
// the environment names (CELERY_BROKER_URL / TRELLIS_STORE_URL, as the server reads them).
//   token create --name NAME --role viewer|operator|admin [--expires 30d]   prints the token alone on its last line
//   token list | token revoke ID
//   user add NAME --role ROLE | user passwd NAME   (the password from TRELLIS_USER_PASSWORD, else read from stdin)
//   user list
import { parseArgs } from 'node:util';
import { createToken, listTokens, revokeToken } from '../lib/server/auth/tokens';
import { listUsers, setStoreUser, findUser } from '../lib/server/auth/users';
import { ROLES, type Role } from '../lib/server/auth/roles';
import { loadConfig, parseDurationSeconds } from '../lib/server/config';
import { createContext } from '../lib/server/context';
import { createRedisClient } from '../lib/server/redis/client';

function fail(message: string): never {
  console.error(`trellis: ${message}`);
  process.exit(2);
}

function role(value: string | undefined): Role {
  if (!value || !(ROLES as readonly string[]).includes(value)) fail(`--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

async function readPassword(): Promise<string> {
  if (process.env.TRELLIS_USER_PASSWORD) return process.env.TRELLIS_USER_PASSWORD;
  if (process.stdin.isTTY) process.stderr.write('password: ');
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text.replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, role: { type: 'string' }, expires: { type: 'string' } },
  });
  const [what, verb, arg] = positionals;
  const config = loadConfig({ ...process.env, TRELLIS_LOG_LEVEL: 'warn' });
  const store = createRedisClient(config.store, 'store');
  const ctx = createContext(config, { store, broker: store, backend: store });
  try {
    if (what === 'token' && verb === 'create') {
      const expires = values.expires ? parseDurationSeconds(values.expires) : null;
      if (values.expires && !expires) fail(`--expires: "${values.expires}" is not a duration (e.g. 30d, 12h)`);
      const { token, record } = await createToken(ctx, { name: values.name ?? fail('--name is required'), role: role(values.role), ...(expires ? { expiresInSeconds: Math.round(expires) } : {}) }, 'cli');
      console.log(`token ${record.id} "${record.name}", role ${record.role}, ${record.expiresAt ? `expires ${new Date(record.expiresAt * 1000).toISOString()}` : 'never expires'}`);
      console.log('Shown once: keep it in a secret store. Use it as: Authorization: Bearer <token>');
      console.log(token);
    } else if (what === 'token' && verb === 'list') {
      for (const t of await listTokens(ctx)) console.log(`${t.id}  ${t.status.padEnd(7)}  ${t.role.padEnd(8)}  ${t.name}${t.lastUsedAt ? `  last used ${new Date(t.lastUsedAt * 1000).toISOString()}` : ''}`);
    } else if (what === 'token' && verb === 'revoke') {
      const t = await revokeToken(ctx, arg ?? fail('token revoke ID'));
      console.log(`revoked ${t.id} "${t.name}"`);
    } else if (what === 'user' && (verb === 'add' || verb === 'passwd')) {
      const name = arg ?? fail(`user ${verb} NAME`);
      const existing = await findUser(ctx, name);
      if (verb === 'add' && existing) fail(`user ${name} exists (use user passwd)`);
      if (verb === 'passwd' && !existing) fail(`no user ${name}`);
      const r = verb === 'add' ? role(values.role) : (existing?.role ?? 'viewer');
      const u = await setStoreUser(ctx, name, values.role ? role(values.role) : r, await readPassword());
      console.log(`${verb === 'add' ? 'added' : 'changed the password of'} ${u.name} (${u.role})`);
    } else if (what === 'user' && verb === 'list') {
      for (const u of await listUsers(ctx)) console.log(`${u.name.padEnd(24)} ${u.role.padEnd(8)} ${u.source}`);
    } else {
      fail('usage: token create --name NAME --role ROLE [--expires 30d] | token list | token revoke ID | user add NAME --role ROLE | user passwd NAME | user list');
    }
  } finally {
    store.disconnect();
  }
}

main(process.argv.slice(2)).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
