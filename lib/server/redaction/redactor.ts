import { redactUrl } from '../redis/url';
import { maskCardNumbers, isCardNumber } from './card-numbers';
import { keyMatcher, type KeyMatcher } from './key-patterns';
import { redactKeyedValues } from './keyed-values';

// The redactor: texts (reprs, JSON, messages, tracebacks) and structured values (JSON results,
// event fields, inspect replies). Values under secret keys, card-like numbers and URL credentials
// become MASK. Pure; one per configuration (redactorFor in ./index.ts).

export const MASK = '***';
const MAX_DEPTH = 20;

export interface Redactor {
  readonly isSecretKey: KeyMatcher;
  text(text: string): string;
  /** `text` for a string, null kept. */
  maybe(text: string | null): string | null;
  value(value: unknown): unknown;
}

export function createRedactor(extraKeys: readonly string[] = []): Redactor {
  const isSecretKey = keyMatcher(extraKeys);
  const text = (s: string) => maskCardNumbers(redactUrl(redactKeyedValues(s, isSecretKey, MASK)), MASK);
  const value = (v: unknown, depth = 0): unknown => {
    if (typeof v === 'string') return text(v);
    if (typeof v === 'number') return Number.isInteger(v) && isCardNumber(String(v)) ? MASK : v;
    if (depth >= MAX_DEPTH) return v === null || typeof v !== 'object' ? v : MASK;
    if (Array.isArray(v)) return v.map((x) => value(x, depth + 1));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out[redactUrl(k)] = isSecretKey(k) && x !== null && typeof x !== 'boolean' ? MASK : value(x, depth + 1);
      }
      return out;
    }
    return v;
  };
  return { isSecretKey, text, maybe: (s) => (s === null ? null : text(s)), value: (v) => value(v) };
}
