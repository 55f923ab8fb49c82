import type { KeyMatcher } from './key-patterns';

// Values under secret keys inside a text: Python reprs as Celery events carry them
// (`{'password': 'x'}`, `('a', {'token': b'y'})`), JSON (also JSON escaped inside a string:
// `"{\"token\": \"y\"}"`), keyword reprs (`User(password='x')`) and free text (`password=x`,
// `Authorization: Bearer x`). A quoted key followed by `:` is a dict key; a bare word key needs
// `=` or `:`. The value — a string, a bracketed structure, a call or a bare word — becomes `***`.

const KEY =
  /(\\*)(['"])([^'"\\\r\n]{1,100})\1\2\s*:\s*|(?<![\w.\\/-])([A-Za-z_][\w-]{0,99})[ \t]*(?:=(?!=)|:(?!\/\/))[ \t]*/g;

const OPEN: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
const AUTH_SCHEME = /^(?:bearer|basic|token|digest)$/i;
const KEEP = /^(?:None|null|True|False|true|false)$/;
/** Longest value replaced (a value running further is cut there: the rest is still scanned). */
const MAX_VALUE = 100_000;

/** End (exclusive) of a quoted string starting at `at` (after `escapes` backslashes and its quote). */
function stringEnd(text: string, at: number, escapes: string, quote: string): number {
  const close = escapes + quote;
  let i = at;
  while (i < text.length && i - at < MAX_VALUE) {
    if (escapes === '' && text[i] === '\\') i += 2;
    else if (text.startsWith(close, i) && (escapes === '' || text[i - 1] !== '\\')) return i + close.length;
    else i++;
  }
  return Math.min(i, text.length);
}

/** End of a bracketed value whose opening bracket is at `at` (quotes inside are skipped). */
function bracketEnd(text: string, at: number): number {
  const stack: string[] = [];
  let i = at;
  while (i < text.length && i - at < MAX_VALUE) {
    const c = text[i] ?? '';
    if (c === "'" || c === '"') i = stringEnd(text, i + 1, '', c);
    else {
      const close = OPEN[c];
      if (close) stack.push(close);
      else if (c === stack[stack.length - 1]) {
        stack.pop();
        if (stack.length === 0) return i + 1;
      }
      i++;
    }
  }
  return Math.min(i, text.length);
}

/** End of the value starting at `at`. */
export function valueEnd(text: string, at: number): number {
  const quoted = /^[bBrRuUfF]{0,2}(\\*)(['"])/.exec(text.slice(at, at + 100));
  if (quoted) return stringEnd(text, at + quoted[0].length, quoted[1] ?? '', quoted[2] ?? '"');
  if ((text[at] ?? '') in OPEN) return bracketEnd(text, at);
  const word = /^[^\s,;&()[\]{}'"<>]*/.exec(text.slice(at, at + MAX_VALUE))?.[0] ?? '';
  let end = at + word.length;
  if (text[end] === '(') return bracketEnd(text, end);
  const next = /^ +([^\s,;&)\]}'"<>]+)/.exec(text.slice(end, end + 10_000));
  if (AUTH_SCHEME.test(word) && next) end += next[0].length; // "Bearer abc": the credential too
  return end;
}

/** The text with the value of every secret key replaced by `mask` (quoted as its key was). */
export function redactKeyedValues(text: string, isSecret: KeyMatcher, mask: string): string {
  if (!/[:=]/.test(text)) return text;
  let out = '';
  let from = 0;
  KEY.lastIndex = 0;
  for (let m = KEY.exec(text); m; m = KEY.exec(text)) {
    const quotedKey = m[3];
    const key = quotedKey ?? m[4] ?? '';
    const start = m.index + m[0].length;
    if (!isSecret(key) || start >= text.length) continue;
    const end = valueEnd(text, start);
    if (end === start || KEEP.test(text.slice(start, end))) continue;
    const escapes = m[1] ?? '';
    out += text.slice(from, start) + (quotedKey !== undefined ? `${escapes}${m[2] ?? "'"}${mask}${escapes}${m[2] ?? "'"}` : mask);
    from = end;
    KEY.lastIndex = end;
  }
  return out + text.slice(from);
}
