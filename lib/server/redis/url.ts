// Parses a Celery-style Redis URL. Pure (no server-only marker) so the protocol tests can use it.

export interface RedisTarget {
  url: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Returns the target, or a human-readable reason the URL is not usable. */
export function parseRedisUrl(text: string): RedisTarget | string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return `"${redactUrl(text)}" is not a URL (expected redis://[user:pass@]host[:port][/db])`;
  }
  if (u.protocol === 'sentinel:') return 'sentinel:// URLs are not supported yet; point Trellis at the master with redis://';
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    return `scheme "${u.protocol}" is not supported (use redis:// or rediss://)`;
  const path = u.pathname.replace(/^\//, '');
  const db = path === '' ? 0 : Number(path);
  if (!Number.isInteger(db) || db < 0) return `database "${path}" must be a non-negative integer`;
  const port = u.port === '' ? 6379 : Number(u.port);
  return {
    url: text,
    host: u.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:',
  };
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
