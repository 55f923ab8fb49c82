// The CSRF token the server set in a script-readable cookie, sent back as a header on every
// state-changing request (double submit): another site can make the browser send the cookie, not read it.

export const CSRF_COOKIE = 'trellis_csrf';
export const CSRF_HEADER = 'x-csrf-token';

export function csrfHeader(): Record<string, string> {
  if (typeof document === 'undefined') return {};
  const m = new RegExp(`(?:^|; )${CSRF_COOKIE}=([^;]*)`).exec(document.cookie);
  return m?.[1] ? { [CSRF_HEADER]: decodeURIComponent(m[1]) } : {};
}
