import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseArgsRepr, parseKwargsRepr, parsePythonLiteral, toPythonRepr, type JsonValue } from '@/lib/server/celery/python-literal';

// Reading argsrepr/kwargsrepr back: real reprs made by Celery's own saferepr (maxsize 1024, as
// Celery 5.2 writes them into message headers and events) and by Python's repr(), each compared
// with the value Python's json module gives for the same arguments.

const PY_VALUES = String.raw`[
  (2, 3), (), ('x',), [1, 2], ('don\'t', 'say "hi"'), ('é😀 ünïcode ☃', '日本語'),
  ({'k': [1, 2.5, None, True, False]},), ({'nested': {'deeper': [[1, [2]], {'a': ()}]}},),
  (-7, 0, 3.25, 1e300, 1e-7, -1.5e-10, 12345678901234),
  ('tab\there', 'new\nline', 'nul\x00byte'), ({'a': 1, 'b': 'c'},), ({},), ({1: 'int key'},),
  ([{'id': i, 'tags': ['a', 'b']} for i in range(5)],), (9007199254740991,),
]`;

function pythonPairs(kind: 'saferepr' | 'repr'): Array<{ repr: string; json: JsonValue }> {
  const script = `
import json, sys
from celery.utils.saferepr import saferepr
values = ${PY_VALUES}
out = []
for v in values:
    r = saferepr(v, 1024) if sys.argv[1] == 'saferepr' else repr(v)
    out.append({'repr': r, 'json': json.loads(json.dumps(v))})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, kind], { encoding: 'utf8' })) as Array<{ repr: string; json: JsonValue }>;
}

describe('python literal: real reprs', () => {
  it('reads every saferepr Celery writes for JSON-able arguments (raw tabs, newlines and NULs too), except where it cut nesting', () => {
    const pairs = pythonPairs('saferepr');
    expect(pairs.length).toBe(15);
    let read = 0;
    for (const { repr, json } of pairs) {
      const r = parsePythonLiteral(repr);
      if (r.ok) {
        expect(r.value, repr).toEqual(json);
        read++;
      } else {
        // saferepr stops at three levels of nesting ({'nested': {'deeper': [...]}}): read as truncated
        expect(r.reason, repr).toBe('truncated');
      }
    }
    expect(read).toBe(13); // two of the 15 are nested deeper than saferepr's three levels
  });

  it("reads Python's repr() (double quotes, every escape form)", () => {
    for (const { repr, json } of pythonPairs('repr')) {
      const r = parsePythonLiteral(repr);
      if (repr.includes("\\")) {
        // repr escapes in single quotes are indistinguishable from saferepr's raw backslashes
        if (!r.ok) expect(r.reason).toBe('ambiguous');
        continue;
      }
      expect(r.ok ? r.value : r, repr).toEqual(json);
    }
    expect(parsePythonLiteral(String.raw`"a\nb\t\x41\u00e9\U0001F600\\ \"q\" \101"`)).toEqual({ ok: true, value: 'a\nb\tAé😀\\ "q" A' });
    expect(parsePythonLiteral(`"""triple 'x' "y" """`)).toEqual({ ok: true, value: `triple 'x' "y" ` });
    expect(parsePythonLiteral(String.raw`r"raw\n"`)).toEqual({ ok: true, value: String.raw`raw\n` });
    expect(parsePythonLiteral(`u'unicode'`)).toEqual({ ok: true, value: 'unicode' });
  });

  it('detects every kind of truncation Celery makes', () => {
    const script = `
import json
from celery.utils.saferepr import saferepr
vals = [('x' * 2000,), (list(range(600)),), ({'a': 'b' * 1100},), ('ab ' * 500,), ([[[[1]]]],), ({'k': {'l': {'m': {'n': 1}}}},), (('y' * 300,) * 5,)]
print(json.dumps([saferepr(v, 1024) for v in vals]))
`;
    const reprs = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' })) as string[];
    expect(reprs).toHaveLength(7);
    for (const repr of reprs) expect(parsePythonLiteral(repr), repr.slice(-60)).toMatchObject({ ok: false, reason: 'truncated' });
  });
});

describe('python literal: refusals, each with its reason', () => {
  const refused: Array<[string, string]> = [
    ['(Decimal(\'1.5\'),)', 'unsupported'],
    ['(<object object at 0x7f>,)', 'unsupported'],
    ['({1, 2},)', 'unsupported'],
    ["(b'616200ff',)", 'unsupported'],
    ['(nan, inf)', 'unsupported'],
    ['(-inf,)', 'unsupported'],
    ['(1j,)', 'unsupported'],
    ['(os.system,)', 'unsupported'],
    ['(__import__("os"),)', 'unsupported'],
    ['(12345678901234567890,)', 'unsupported'],
    ['(Ellipsis,)', 'unsupported'],
    ['({(1, 2): 3},)', 'unsupported'],
    ["('a\\b',)", 'ambiguous'],
    ["('a\\nb',)", 'ambiguous'],
    ['(1, 2', 'syntax'],
    ['(1 2)', 'syntax'],
    ["('a' 'b',)", 'syntax'],
    ['(1)', 'syntax'],
    ['(1,) extra', 'syntax'],
    ["('unterminated,)", 'syntax'],
    ['', 'syntax'],
    ['(1, ...)', 'truncated'],
    ["('abc...', ...)", 'truncated'],
    ['([[...]],)', 'truncated'],
    ['(22..., ...)', 'truncated'],
  ];
  it.each(refused)('%s → %s', (text, reason) => {
    expect(parsePythonLiteral(text)).toMatchObject({ ok: false, reason });
  });

  it('bounds nesting and size', () => {
    expect(parsePythonLiteral(`${'['.repeat(500)}${']'.repeat(500)}`)).toMatchObject({ ok: false, reason: 'unsupported' });
    expect(parsePythonLiteral(`[${'1, '.repeat(400_000)}]`)).toMatchObject({ ok: false, reason: 'too-large' });
  });

  it('args must be a sequence, kwargs a dict', () => {
    expect(parseArgsRepr('(1, 2)')).toEqual({ ok: true, value: [1, 2] });
    expect(parseArgsRepr('{}')).toMatchObject({ ok: false });
    expect(parseKwargsRepr("{'a': [1]}")).toEqual({ ok: true, value: { a: [1] } });
    expect(parseKwargsRepr('[1]')).toMatchObject({ ok: false });
    expect(parseKwargsRepr("{'__proto__': 1}")).toEqual({ ok: true, value: JSON.parse('{"__proto__": 1}') });
  });
});

describe('toPythonRepr', () => {
  it('writes what Python repr() writes, and reads back', () => {
    const value: JsonValue = [1, 2.5, -0.5, null, true, false, "it's", 'q"uote', { k: ['é😀', { n: 3 }] }, 1e300];
    const script = `import json,sys; v=json.loads(sys.argv[1]); print(repr(tuple(v)))`;
    const python = execFileSync('/usr/bin/python3', ['-c', script, JSON.stringify(value)], { encoding: 'utf8' }).trim();
    expect(toPythonRepr(value, true)).toBe(python);
    expect(parsePythonLiteral(toPythonRepr(value, true))).toEqual({ ok: true, value });
    expect(toPythonRepr([2], true)).toBe('(2,)');
  });
});

describe('python literal: random values through Celery’s saferepr', () => {
  it('2,000 random argument tuples: each repr reads back exactly, or is refused (never misread)', () => {
    const script = String.raw`
import json, random
from celery.utils.saferepr import saferepr
rnd = random.Random(1102)
ALPHABET = ["a", "Z", " ", "'", '"', "\\", "\n", "\t", "\x00", "é", "😀", "日", ",", ":", "(", ")", "[", "]", "{", "}", "...", "#", "\u2028"]
def value(depth=0):
    k = rnd.randrange(9 if depth < 4 else 5)
    if k == 0: return rnd.randrange(-10**6, 10**6)
    if k == 1: return rnd.choice([0.5, -2.25, 1e-7, 3.0e20, 1/3, 123.456, 2**53 - 1, -(2**53 - 1)])
    if k == 2: return "".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(12)))
    if k == 3: return rnd.choice([True, False, None])
    if k == 4: return "".join(rnd.choice("abc xyz") for _ in range(rnd.randrange(30)))
    if k in (5, 6): return [value(depth + 1) for _ in range(rnd.randrange(4))]
    if k == 7: return tuple(value(depth + 1) for _ in range(rnd.randrange(4)))
    return {"".join(rnd.choice(ALPHABET) for _ in range(rnd.randrange(1, 6))): value(depth + 1) for _ in range(rnd.randrange(4))}
out = []
for _ in range(2000):
    v = tuple(value() for _ in range(rnd.randrange(4)))
    out.append({"repr": saferepr(v, 1024), "json": json.loads(json.dumps(v))})
print(json.dumps(out))
`;
    const cases = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as Array<{ repr: string; json: JsonValue }>;
    const tally: Record<string, number> = {};
    for (const { repr, json } of cases) {
      const r = parseArgsRepr(repr);
      tally[r.ok ? 'read' : r.reason] = (tally[r.ok ? 'read' : r.reason] ?? 0) + 1;
      if (r.ok) expect(r.value, repr).toEqual(json);
    }
    expect(tally.read ?? 0).toBeGreaterThan(1_200);
    expect(Object.keys(tally).every((k) => ['read', 'truncated', 'ambiguous'].includes(k)), JSON.stringify(tally)).toBe(true);
  });
});
