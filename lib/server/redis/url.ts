// Parses a Celery-style Redis URL (redis://, rediss://, or Celery's Sentinel list). Pure (no
// server-only marker) so the protocol tests can use it.

export interface SentinelAddress {
  host: string;
  port: number;
}

export interface RedisTarget {
  url: string;
  /** For a Sentinel target: the first sentinel (the master is asked for at connect time). */
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** Set for `sentinel://` URLs: connect to the master that these sentinels name `masterName`
   *  (`password`: the sentinels' own, TRELLIS_SENTINEL_PASSWORD, Celery's `sentinel_kwargs`). */
  sentinel?: { sentinels: SentinelAddress[]; masterName: string; password?: string };
  /** Every command on this target fails after this long (TRELLIS_REDIS_TIMEOUT); unset = the client default. */
  commandTimeoutMs?: number;
}

const SENTINEL_DEFAULT_PORT = 26379;

/** Returns the target, or a human-readable reason the URL is not usable. `sentinelMaster` is
 *  Celery's `master_name` transport option (TRELLIS_SENTINEL_MASTER), needed by sentinel:// URLs. */
export function parseRedisUrl(text: string, sentinelMaster?: string): RedisTarget | string {
  if (/^sentinel:/i.test(text.trim())) return parseSentinelUrl(text, sentinelMaster);
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `"${redactUrl(text)}" is not a URL (expected redis://[user:pass@]host[:port][/db])`;
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    return `scheme "${u.protocol}" is not supported (use redis://, rediss:// or sentinel://)`;
  const db = parseDb(u);
  if (typeof db === 'string') return db;
  return { url: text, ...address(u, 6379), db, ...credentials(u), tls: u.protocol === 'rediss:' };
}

// Celery's (kombu's and the Sentinel result backend's) syntax: `sentinel://[:pw@]h1:p1/db;
// sentinel://h2:p2/db;…`. Every entry is a sentinel; database and credentials come from the first
// entry, as Celery takes them, and are those of the master (sentinels without a password).
function parseSentinelUrl(text: string, masterName: string | undefined): RedisTarget | string {
  const entries: URL[] = [];
  for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
    let u: URL;
    try {
      u = new URL(part);
    } catch {
      return `"${redactUrl(part)}" is not a URL (expected sentinel://[:pass@]host[:port][/db];sentinel://host2[:port]…)`;
    }
    if (u.protocol !== 'sentinel:') return `"${redactUrl(part)}": every entry of a sentinel list must be sentinel://`;
    entries.push(u);
  }
  const first = entries[0];
  if (!first) return 'the sentinel list is empty';
  if (!masterName) return 'sentinel:// URLs need TRELLIS_SENTINEL_MASTER (Celery’s master_name transport option)';
  const db = parseDb(first);
  if (typeof db === 'string') return db;
  const sentinels = entries.map((u) => address(u, SENTINEL_DEFAULT_PORT));
  return { url: text, ...address(first, SENTINEL_DEFAULT_PORT), db, ...credentials(first), tls: false, sentinel: { sentinels, masterName } };
}

function parseDb(u: URL): number | string {
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  return Number.isInteger(db) && db >= 0 ? db : `database "${path}" must be a non-negative integer`;
}

function address(u: URL, defaultPort: number): SentinelAddress {
  return { host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost', port: u.port === '' ? defaultPort : Number(u.port) };
}

function credentials(u: URL): { username?: string; password?: string } {
  return {
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
  };
}

/** What identifies the server and database a target reaches (two targets with the same key can share a connection). */
export function targetKey(t: RedisTarget): string {
  const where = t.sentinel
    ? `sentinel:${t.sentinel.masterName}@${t.sentinel.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`
    : `${t.tls ? 'rediss' : 'redis'}:${t.host}:${t.port}`;
  return `${where}/${t.db}|${t.username ?? ''}`;
}

/** Names of settings, arguments and query parameters whose values are secrets. */
export const SECRET_NAME =
  /(password|passwd|passphrase|^pass$|secret|token|credential|api_?key|access_?key|private_?key|signing_?key|^key$|auth|sasl|ssl_key|security_key|signature)/i;

// `//user:password@` anywhere in a text, every occurrence: failover and sentinel lists
// (`redis://:a@h1;redis://:b@h2`), URLs inside longer strings, any scheme (amqp, rediss, sentinel,
// sqla+postgresql, Celery's own mangled `…%3Bredis//:b@h2`). The password runs to the last `@`
// before the end of the authority (`/`, `?`, `#` or whitespace), so a raw `@` in it is covered too.
const USERINFO_PASSWORD = /(\/\/[^\s/?#@:]*:)[^\s/?#]*@/g;
const QUERY_PARAM = /([?&])([^=&;\s#]+)=([^&;\s#]*)/g;

/** The text with every password inside a URL (and every secret-looking query parameter) replaced, for logs and API output. */
export function redactUrl(text: string): string {
  return text
    .replace(USERINFO_PASSWORD, '$1***@')
    .replace(QUERY_PARAM, (all, sep: string, name: string) => (SECRET_NAME.test(name) ? `${sep}${name}=***` : all));
}
