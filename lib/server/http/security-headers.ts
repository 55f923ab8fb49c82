// The security headers every response carries (pages, API, static files), set by proxy.ts and, for
// API responses, again by withRoute (route handlers can be called without the proxy). Pure.
//
// Pages get a fresh nonce per request (proxy.ts): only scripts carrying it run, and the scripts
// they load ('strict-dynamic'); Next.js puts the nonce on its own scripts (it reads it from the
// request's CSP header) and the root layout on its theme script. No inline script without it, no
// eval (outside `next dev`), no plugins, no foreign frames, connections only to this origin.
// Every page is rendered per request anyway (they all check who is asking). docs/adr/0017.

const pageCsp = (nonce: string) => [
  "default-src 'self'",
  `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** JSON and text responses need no sources at all. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'";

export interface HeaderOptions {
  /** Served to the browser over HTTPS (directly or behind a TLS-terminating proxy). */
  https: boolean;
  /** An API or /metrics response rather than a page or static file. */
  api: boolean;
  /** `next dev` needs eval for React Refresh. */
  dev?: boolean;
  /** The page's script nonce (pages only). Without one, page scripts are limited to this origin. */
  nonce?: string;
}

export function securityHeaders({ https, api, dev = false, nonce }: HeaderOptions): Record<string, string> {
  const page = nonce ? pageCsp(nonce) : pageCsp('').map((d) => (d.startsWith('script-src') ? "script-src 'self'" : d));
  const csp = api ? API_CSP : page.map((d) => (dev && d.startsWith('script-src') ? `${d} 'unsafe-eval'` : d)).join('; ');
  return {
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    'cross-origin-opener-policy': 'same-origin',
    // Only over HTTPS: a browser ignores HSTS on plain HTTP, and sending it to localhost users who
    // later put Trellis behind TLS on the same name would pin them there for a year.
    ...(https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** HTTPS as the browser sees it: a proxy said so, or Trellis' public address is https. */
export function servedOverHttps(headers: Headers, publicUrl: string | undefined): boolean {
  const forwarded = headers.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  return forwarded === 'https' || (publicUrl ?? '').toLowerCase().startsWith('https://');
}

/** A fresh script nonce (128 random bits, base64). */
export function newNonce(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
}

/** Paths answered by route handlers (JSON or text) rather than pages. */
export function isApiPath(pathname: string): boolean {
  return pathname.startsWith('/api/') || pathname === '/api' || pathname === '/metrics';
}
