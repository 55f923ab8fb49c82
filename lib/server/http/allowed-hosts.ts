// The Host allow-list against DNS rebinding: a page on evil.example whose name re-resolves to
// 127.0.0.1 reaches Trellis with `Host: evil.example`; only names the operator serves Trellis at
// pass. Pure (no server-only): config.ts validates with it and proxy.ts checks every request.

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];
const WILDCARD_LISTEN = new Set(['0.0.0.0', '::', '[::]']);

/** "Example.COM:3000" → "example.com", "[::1]:3000" → "[::1]", "::1" → "[::1]"; null when unusable. */
export function hostName(host: string | null | undefined): string | null {
  if (!host) return null;
  const text = host.trim().toLowerCase().replace(/\.$/, '');
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    return end > 0 ? text.slice(0, end + 1) : null;
  }
  if ((text.match(/:/g) ?? []).length > 1) return `[${text}]`; // a bare IPv6 address
  const name = text.split(':')[0] ?? '';
  return /^[a-z0-9.-]{1,253}$/.test(name) ? name : null;
}

/**
 * TRELLIS_ALLOWED_HOSTS (comma-separated names, or "*" to accept any Host) → the names, or an
 * error message. Unset: loopback names, the host of TRELLIS_PUBLIC_URL and TRELLIS_HOST (unless a
 * wildcard address, which names no host).
 */
export function allowedHosts(env: { allowed?: string; publicUrl?: string; listenHost?: string }): string[] | string {
  if (env.allowed !== undefined && env.allowed.trim() !== '') {
    const items = env.allowed.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 1 && items[0] === '*') return ['*'];
    const names = items.map(hostName);
    const bad = items.filter((_, i) => names[i] === null);
    if (bad.length > 0) return `TRELLIS_ALLOWED_HOSTS: "${bad.join('", "')}" is not a host name (e.g. trellis.example.com,localhost) or "*"`;
    return [...new Set(names.filter((n): n is string => n !== null))];
  }
  const extra: Array<string | null> = [];
  if (env.publicUrl) {
    try {
      extra.push(hostName(new URL(env.publicUrl).host));
    } catch {
      // config.ts reports a malformed TRELLIS_PUBLIC_URL itself
    }
  }
  if (env.listenHost && !WILDCARD_LISTEN.has(env.listenHost)) extra.push(hostName(env.listenHost));
  return [...new Set([...LOOPBACK_NAMES, ...extra.filter((n): n is string => n !== null)])];
}

export function hostAllowed(host: string | null | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes('*')) return true;
  const name = hostName(host);
  return name !== null && allowed.includes(name);
}
