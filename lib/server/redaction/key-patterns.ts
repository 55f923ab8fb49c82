// Which keys hold secrets (TRELLIS_REDACT_KEYS): case-insensitive substrings, or globs (`*`, `?`)
// matched against the whole key. Pure (no server-only marker): config.ts validates with it.

/** Always redacted; TRELLIS_REDACT_KEYS adds to these (it cannot remove one). */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password', 'passwd', 'passphrase', 'secret', 'token', 'api_key', 'apikey', 'access_key', 'private_key',
  'authorization', 'cookie', 'credential',
];

export type KeyMatcher = (key: string) => boolean;

const PATTERN = /^[\w.*?-]{1,100}$/;

/** The patterns of TRELLIS_REDACT_KEYS, or a reason they are not usable. */
export function parseRedactKeys(text: string): string[] | string {
  const patterns = text.split(',').map((p) => p.trim()).filter(Boolean);
  const bad = patterns.find((p) => !PATTERN.test(p));
  if (bad !== undefined) return `"${bad}" must be letters, digits and _.- with * or ? as wildcards (at most 100 characters)`;
  return patterns;
}

// `apiKey`, `API-KEY` and `api_key` are one key: compared lower-cased with `-` read as `_`.
const normal = (s: string) => s.toLowerCase().replaceAll('-', '_');

function globRegex(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${body}$`);
}

/** One test for the defaults plus `extra`: a substring anywhere in the key, or a glob over all of it. */
export function keyMatcher(extra: readonly string[] = []): KeyMatcher {
  const all = [...DEFAULT_REDACT_KEYS, ...extra].map(normal);
  const substrings = all.filter((p) => !/[*?]/.test(p));
  const globs = all.filter((p) => /[*?]/.test(p)).map(globRegex);
  return (key) => {
    const k = normal(key);
    return substrings.some((p) => k.includes(p)) || globs.some((g) => g.test(k));
  };
}
