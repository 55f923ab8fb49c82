// Reads the Python repr of a task's arguments (`argsrepr`/`kwargsrepr`, which workers copy into
// the `args`/`kwargs` of task events) back into JSON values, so a task can be published again.
// Pure. Only what maps exactly onto JSON is accepted; everything else is refused with a reason.
//
// Celery writes these with `celery.utils.saferepr` (maxsize 1024, ADR 0024), not `repr()`:
//  - truncation leaves `...` (Python's Ellipsis) where values were cut (`'xxx...', ...`, `22..., ...]`,
//    `[[[...]]]` past three levels): any `...` token means "truncated";
//  - strings are always single-quoted with only `'` escaped as `\'`: a backslash is written raw, so
//    in a single-quoted string any other backslash is ambiguous (saferepr's raw `\n` and repr's
//    escaped newline look the same) and is refused. Double-quoted strings only come from `repr()`
//    (or JSON) and are read with Python's escapes;
//  - numbers go through `str()`: `nan`/`inf` are names, refused (no JSON form);
//  - bytes are shown as hex (`b'6162'`), sets, Decimal('…') and `<object …>` have no JSON form.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type LiteralRefusal = 'truncated' | 'unsupported' | 'ambiguous' | 'syntax' | 'too-large';
export type LiteralResult = { ok: true; value: JsonValue } | { ok: false; reason: LiteralRefusal; detail: string; at: number };

/** Longest repr read (Celery's are ~1 KB; operator-visible reprs from other publishers may be longer). */
export const MAX_LITERAL_LENGTH = 1_000_000;
const MAX_DEPTH = 100;

class Refusal extends Error {
  constructor(
    readonly reason: LiteralRefusal,
    readonly detail: string,
    readonly at: number,
  ) {
    super(detail);
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b', f: '\f', v: '\v' };

class Reader {
  pos = 0;
  constructor(readonly src: string) {}

  fail(reason: LiteralRefusal, detail: string, at = this.pos): never {
    throw new Refusal(reason, detail, at);
  }

  skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }

  peek(): string {
    this.skipSpace();
    return this.src[this.pos] ?? '';
  }

  expect(ch: string): void {
    if (this.peek() !== ch) this.fail('syntax', `expected ${JSON.stringify(ch)}`);
    this.pos++;
  }

  value(depth: number): JsonValue {
    if (depth > MAX_DEPTH) this.fail('unsupported', `nested deeper than ${MAX_DEPTH} levels`);
    const c = this.peek();
    if (this.src.startsWith('...', this.pos)) this.fail('truncated', 'the repr was truncated (Celery cuts argsrepr/kwargsrepr at 1024 characters and writes "...")');
    if (c === '(') return this.sequence(')', depth, true);
    if (c === '[') return this.sequence(']', depth, false);
    if (c === '{') return this.mapping(depth);
    if (c === "'" || c === '"') return this.string();
    if (/[-+.\d]/.test(c)) return this.number();
    if (/[A-Za-z_]/.test(c)) return this.name();
    if (c === '') this.fail('syntax', 'unexpected end');
    if (c === '<') this.fail('unsupported', 'an object repr (<…>) has no JSON form');
    return this.fail('syntax', `unexpected ${JSON.stringify(c)}`);
  }

  /** Tuples and lists (a tuple of one needs its trailing comma). */
  sequence(close: string, depth: number, tuple: boolean): JsonValue[] {
    this.pos++;
    const out: JsonValue[] = [];
    let comma = false;
    while (this.peek() !== close) {
      if (out.length > 0 && !comma) this.fail('syntax', `expected "," or "${close}"`);
      out.push(this.value(depth + 1));
      comma = this.peek() === ',';
      if (comma) this.pos++;
    }
    if (tuple && out.length === 1 && !comma) this.fail('syntax', 'a parenthesized value without a comma is not a tuple');
    this.pos++;
    return out;
  }

  /** Dicts; a set (`{1, 2}`) is refused. Keys: strings, or ints as JSON writes them ("1"). */
  mapping(depth: number): { [key: string]: JsonValue } {
    this.pos++;
    const entries: Array<[string, JsonValue]> = [];
    while (this.peek() !== '}') {
      if (entries.length > 0) this.expect(',');
      if (this.peek() === '}') break;
      const keyAt = this.pos;
      const key = this.value(depth + 1);
      if (this.peek() !== ':') this.fail('unsupported', 'a set has no JSON form', keyAt);
      this.pos++;
      if (typeof key === 'number' && Number.isInteger(key)) entries.push([String(key), this.value(depth + 1)]);
      else if (typeof key === 'string') entries.push([key, this.value(depth + 1)]);
      else this.fail('unsupported', 'dict keys must be strings or ints to have a JSON form', keyAt);
    }
    this.pos++;
    return Object.fromEntries(entries);
  }

  string(): string {
    const start = this.pos;
    const q = this.src[this.pos] as string;
    const triple = this.src.startsWith(q.repeat(3), this.pos);
    this.pos += triple ? 3 : 1;
    let out = '';
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) return this.fail('syntax', 'unterminated string', start);
      if (triple ? this.src.startsWith(q.repeat(3), this.pos) : ch === q) {
        this.pos += triple ? 3 : 1;
        break;
      }
      if (ch === '\\') {
        out += this.escape(q);
        continue;
      }
      out += ch;
      this.pos++;
    }
    this.adjacentString();
    return out;
  }

  escape(q: string): string {
    const at = this.pos;
    const next = this.src[this.pos + 1] ?? '';
    if (q === "'" && next !== "'") this.fail('ambiguous', 'a backslash in a single-quoted string: Celery writes backslashes unescaped, so the original text cannot be known', at);
    // saferepr writes a string ending in a backslash as '…\' : when what follows could close the
    // string, "\'" may be that backslash and the closing quote rather than an escaped quote.
    if (q === "'" && /^\s*([,)\]}:]|$)/.test(this.src.slice(at + 2)))
      this.fail('ambiguous', "\\' here may be an escaped quote or a string ending in a backslash (Celery does not escape backslashes)", at);
    this.pos += 2;
    const simple = SIMPLE_ESCAPES[next];
    if (simple !== undefined) return simple;
    if (next === '\n') return '';
    const hex = next === 'x' ? 2 : next === 'u' ? 4 : next === 'U' ? 8 : 0;
    if (hex > 0) {
      const digits = this.src.slice(this.pos, this.pos + hex);
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}$`).test(digits)) this.fail('syntax', `\\${next} needs ${hex} hex digits`, at);
      this.pos += hex;
      const code = parseInt(digits, 16);
      if (code > 0x10ffff) this.fail('syntax', 'code point out of range', at);
      return String.fromCodePoint(code);
    }
    const octal = /^[0-7]{1,3}/.exec(this.src.slice(at + 1, at + 4));
    if (octal) {
      this.pos = at + 1 + octal[0].length;
      return String.fromCharCode(parseInt(octal[0], 8));
    }
    return this.fail('unsupported', `escape \\${next} is not supported`, at);
  }

  /** `'a' 'b'` is one string in Python source, never in a repr. */
  adjacentString(): void {
    const c = this.peek();
    if (c === "'" || c === '"') this.fail('syntax', 'two adjacent strings');
  }

  number(): number {
    const start = this.pos;
    const whole = /^[-+]?\d*/.exec(this.src.slice(this.pos))?.[0] ?? '';
    if (this.src.startsWith('...', this.pos + whole.length)) this.fail('truncated', 'the repr was truncated (a number cut short)');
    const m = /^[-+]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][-+]?\d+)?/.exec(this.src.slice(this.pos));
    const text = m?.[0] ?? '';
    if (!/\d/.test(text)) {
      if (this.src.startsWith('...', this.pos)) this.fail('truncated', 'the repr was truncated');
      if (/^[-+](inf|nan)/i.test(this.src.slice(this.pos))) this.fail('unsupported', 'inf and nan have no JSON form');
      this.fail('syntax', 'not a number');
    }
    this.pos += text.length;
    const after = this.src[this.pos] ?? '';
    if (this.src.startsWith('...', this.pos)) this.fail('truncated', 'the repr was truncated (a number cut short)');
    if (/[jJ]/.test(after)) this.fail('unsupported', 'complex numbers have no JSON form', start);
    if (/[A-Za-z_]/.test(after)) this.fail('unsupported', `${text}${after}… is not a decimal number literal`, start);
    const clean = text.replace(/_/g, '');
    const value = Number(clean);
    if (!Number.isFinite(value)) this.fail('unsupported', `${text} is out of range`, start);
    if (/^[-+]?\d+$/.test(clean) && !Number.isSafeInteger(value)) this.fail('unsupported', `${text} is beyond 2^53: it would lose precision`, start);
    return value;
  }

  name(): JsonValue {
    const start = this.pos;
    const m = /^[A-Za-z_]\w*/.exec(this.src.slice(this.pos));
    const word = m?.[0] ?? '';
    this.pos += word.length;
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if ((word === 'b' || word === 'B' || word.toLowerCase() === 'rb' || word.toLowerCase() === 'br') && /['"]/.test(this.src[this.pos] ?? ''))
      this.fail('unsupported', 'bytes have no JSON form (and Celery shows them as hex)', start);
    if (/^[rRuU]$/.test(word) && /['"]/.test(this.src[this.pos] ?? '')) {
      if (word === 'u' || word === 'U') return this.string();
      return this.rawString();
    }
    if (word === 'nan' || word === 'inf') this.fail('unsupported', `${word} has no JSON form`, start);
    if (this.peek() === '(') this.fail('unsupported', `${word}(…) is a call, not a literal`, start);
    return this.fail('unsupported', `the name ${word} is not a literal`, start);
  }

  rawString(): string {
    const q = this.src[this.pos] as string;
    const start = this.pos;
    const triple = this.src.startsWith(q.repeat(3), this.pos);
    const close = triple ? q.repeat(3) : q;
    this.pos += close.length;
    let out = '';
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) return this.fail('syntax', 'unterminated string', start);
      if (this.src.startsWith(close, this.pos)) break;
      if (ch === '\\' && this.src[this.pos + 1] !== undefined) {
        out += ch + (this.src[this.pos + 1] as string); // a raw string keeps the backslash
        this.pos += 2;
        continue;
      }
      out += ch;
      this.pos++;
    }
    this.pos += close.length;
    this.adjacentString();
    return out;
  }
}

/** Reads one Python literal; the whole text must be that literal. */
export function parsePythonLiteral(text: string): LiteralResult {
  if (text.length > MAX_LITERAL_LENGTH) return { ok: false, reason: 'too-large', detail: `longer than ${MAX_LITERAL_LENGTH} characters`, at: 0 };
  const r = new Reader(text);
  try {
    const value = r.value(0);
    r.skipSpace();
    if (r.pos < text.length) {
      if (text.startsWith('...', r.pos)) r.fail('truncated', 'the repr was truncated');
      r.fail('syntax', 'text after the literal');
    }
    return { ok: true, value };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.reason, detail: err.detail, at: err.at };
    if (err instanceof RangeError) return { ok: false, reason: 'unsupported', detail: 'nested too deeply', at: 0 };
    throw err;
  }
}

/** `args`: a tuple or list → an array. */
export function parseArgsRepr(text: string): LiteralResult {
  const r = parsePythonLiteral(text);
  if (r.ok && !Array.isArray(r.value)) return { ok: false, reason: 'syntax', detail: 'args must be a tuple or a list', at: 0 };
  return r;
}

/** `kwargs`: a dict → an object. */
export function parseKwargsRepr(text: string): LiteralResult {
  const r = parsePythonLiteral(text);
  if (r.ok && (r.value === null || typeof r.value !== 'object' || Array.isArray(r.value))) return { ok: false, reason: 'syntax', detail: 'kwargs must be a dict', at: 0 };
  return r;
}

/** Python's repr of a JSON value (True/False/None, single quotes like repr()), for argsrepr/kwargsrepr. */
export function toPythonRepr(value: JsonValue, tuple = false): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? String(value) : pyFloat(value);
  if (typeof value === 'string') return pyString(value);
  if (Array.isArray(value)) {
    const items = value.map((v) => toPythonRepr(v));
    return tuple ? `(${items.join(', ')}${items.length === 1 ? ',' : ''})` : `[${items.join(', ')}]`;
  }
  return `{${Object.entries(value).map(([k, v]) => `${pyString(k)}: ${toPythonRepr(v)}`).join(', ')}}`;
}

function pyFloat(n: number): string {
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  return /[.e]/.test(s) ? s.replace(/e\+?/, 'e+').replace('e+-', 'e-') : `${s}.0`;
}

/** repr(str): single quotes unless the text has ' and no ", escapes for backslash and control characters. */
function pyString(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\' || ch === q) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0xd800 && code <= 0xdfff) out += `\\u${code.toString(16)}`;
    else out += ch;
  }
  return out + q;
}
