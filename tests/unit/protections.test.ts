import { NextRequest } from 'next/server';
import { describe, expect, it } from 'vitest';
import { proxy } from '@/proxy';
import { ConfigError, loadConfig } from '@/lib/server/config';
import { allowedHosts, hostAllowed, hostName } from '@/lib/server/http/allowed-hosts';
import { isJsonContentType } from '@/lib/server/http/json-body';
import { inRequestScope, requestIdOf, requestLogFields } from '@/lib/server/http/request-scope';
import { newNonce, securityHeaders, servedOverHttps } from '@/lib/server/http/security-headers';

// The pure parts of the web protections and the proxy (proxy.ts) that applies them to every
// request Next.js serves; tests/integration/protections-routes.test.ts covers the API side.

describe('Host allow-list', () => {
  it('accepts loopback names by default and the public URL and listen host when set', () => {
    expect(allowedHosts({})).toEqual(['localhost', '127.0.0.1', '[::1]']);
    expect(allowedHosts({ publicUrl: 'https://Trellis.example.com:8443/x', listenHost: '10.1.2.3' })).toEqual([
      'localhost', '127.0.0.1', '[::1]', 'trellis.example.com', '10.1.2.3',
    ]);
    expect(allowedHosts({ listenHost: '0.0.0.0' })).toEqual(['localhost', '127.0.0.1', '[::1]']);
  });

  it('takes an explicit list or "*", and names a bad entry', () => {
    expect(allowedHosts({ allowed: 'a.example, B.example.', publicUrl: 'https://c.example' })).toEqual(['a.example', 'b.example']);
    expect(allowedHosts({ allowed: '*' })).toEqual(['*']);
    expect(allowedHosts({ allowed: 'ok.example,bad host' })).toMatch(/TRELLIS_ALLOWED_HOSTS: "bad host"/);
  });

  it('compares the name without the port, case-insensitively, and refuses rebinding names', () => {
    const allowed = ['localhost', '127.0.0.1', '[::1]'];
    expect(hostAllowed('LOCALHOST:3000', allowed)).toBe(true);
    expect(hostAllowed('[::1]:3000', allowed)).toBe(true);
    expect(hostAllowed('127.0.0.1', allowed)).toBe(true);
    expect(hostAllowed('attacker.example:3000', allowed)).toBe(false);
    expect(hostAllowed('localhost.attacker.example', allowed)).toBe(false);
    expect(hostAllowed(null, allowed)).toBe(false);
    expect(hostAllowed('', allowed)).toBe(false);
    expect(hostAllowed('anything.example', ['*'])).toBe(true);
    expect(hostName('::1')).toBe('[::1]');
    expect(hostName('a b')).toBeNull();
  });
});

describe('security headers', () => {
  it('sends a page CSP with a script nonce and no inline or eval, that forbids framing, and the fixed headers', () => {
    const nonce = newNonce();
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(newNonce()).not.toBe(nonce);
    const h = securityHeaders({ https: false, api: false, nonce });
    expect(h['content-security-policy']).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(h['content-security-policy']).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(securityHeaders({ https: false, api: false })['content-security-policy']).toContain("script-src 'self';");
    expect(h['content-security-policy']).not.toContain('unsafe-eval');
    expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(h['content-security-policy']).toContain("object-src 'none'");
    expect(h).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'strict-origin-when-cross-origin',
    });
    expect(h['permissions-policy']).toContain('camera=()');
    expect(h['strict-transport-security']).toBeUndefined();
    expect(securityHeaders({ https: false, api: false, dev: true, nonce })['content-security-policy']).toContain("'unsafe-eval'");
  });

  it('gives API responses a CSP with no sources, and HSTS only over HTTPS', () => {
    expect(securityHeaders({ https: false, api: true })['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(securityHeaders({ https: true, api: true })['strict-transport-security']).toMatch(/^max-age=31536000/);
    expect(servedOverHttps(new Headers({ 'x-forwarded-proto': 'https' }), undefined)).toBe(true);
    expect(servedOverHttps(new Headers({ 'x-forwarded-proto': 'http' }), undefined)).toBe(false);
    expect(servedOverHttps(new Headers(), 'https://trellis.example.com')).toBe(true);
    expect(servedOverHttps(new Headers(), 'http://localhost:3000')).toBe(false);
  });
});

describe('the proxy in front of every request', () => {
  const call = (path: string, headers: Record<string, string>) => proxy(new NextRequest(`http://localhost:3000${path}`, { headers }));

  it('sets the page headers and a request id it also forwards to the route', () => {
    const res = call('/tasks', { host: 'localhost:3000' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-middleware-request-x-request-id')).toBe(id);
  });

  it('gives the API the strict CSP, and HSTS behind an HTTPS proxy', () => {
    const res = call('/api/v1/health', { host: '127.0.0.1:3000', 'x-forwarded-proto': 'https' });
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=/);
    expect(call('/_next/static/chunks/x.js', { host: 'localhost' }).headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers a foreign Host with 421 and the error contract', async () => {
    const res = call('/tasks', { host: 'rebind.attacker.example:3000' });
    expect(res.status).toBe(421);
    expect(await res.json()).toEqual({ error: { code: 'HOST_NOT_ALLOWED', message: expect.stringContaining('TRELLIS_ALLOWED_HOSTS') } });
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('request ids', () => {
  it('keeps the id the proxy gave, else makes one, and puts it in every log line written while serving', async () => {
    expect(requestIdOf(new Request('http://localhost/', { headers: { 'x-request-id': 'abc-123-def' } }))).toBe('abc-123-def');
    expect(requestIdOf(new Request('http://localhost/', { headers: { 'x-request-id': 'bad id\n' } }))).toMatch(/^[0-9a-f-]{36}$/);
    const seen = await inRequestScope('req-0001', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return requestLogFields();
    });
    expect(seen).toEqual({ requestId: 'req-0001' });
    expect(requestLogFields()).toEqual({});
  });
});

describe('protection settings', () => {
  it('listens on loopback, limits 600 reads a minute, and accepts only loopback names by default', () => {
    const c = loadConfig({});
    expect(c.listenHost).toBe('127.0.0.1');
    expect(c.rateLimit).toEqual({ read: 600, action: 60, login: 10 });
    expect(c.allowedHosts).toEqual(['localhost', '127.0.0.1', '[::1]']);
  });

  it('reads TRELLIS_HOST, TRELLIS_ALLOWED_HOSTS and TRELLIS_RATE_LIMIT', () => {
    const c = loadConfig({ TRELLIS_HOST: '0.0.0.0', TRELLIS_AUTH: 'password', TRELLIS_ALLOWED_HOSTS: 'trellis.internal', TRELLIS_RATE_LIMIT: '1200' });
    expect(c.listenHost).toBe('0.0.0.0');
    expect(c.allowedHosts).toEqual(['trellis.internal']);
    expect(c.rateLimit).toEqual({ read: 1200, action: 120, login: 20 });
    expect(loadConfig({ TRELLIS_RATE_LIMIT: 'off' }).rateLimit).toBeNull();
  });

  it('names each bad value', () => {
    expect(() => loadConfig({ TRELLIS_HOST: 'not a host' })).toThrow(/TRELLIS_HOST/);
    expect(() => loadConfig({ TRELLIS_RATE_LIMIT: 'lots' })).toThrow(/TRELLIS_RATE_LIMIT/);
    expect(() => loadConfig({ TRELLIS_ALLOWED_HOSTS: 'a/b' })).toThrow(ConfigError);
  });

  it('recognises JSON media types', () => {
    expect(isJsonContentType('application/json; charset=utf-8')).toBe(true);
    expect(isJsonContentType('application/merge-patch+json')).toBe(true);
    expect(isJsonContentType('text/plain')).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});
