import { describe, expect, it } from 'vitest';
import { parseEnteredArguments } from '@/components/tasks/retry-api';

// The task page's argument editor: args must be a JSON array, kwargs a JSON object, each with its message.

describe('parseEnteredArguments', () => {
  it('accepts an array and an object (empty fields are [] and {})', () => {
    expect(parseEnteredArguments('[1, "a", {"b": null}]', '{"k": [true]}')).toEqual({ ok: true, args: [1, 'a', { b: null }], kwargs: { k: [true] } });
    expect(parseEnteredArguments('  ', '')).toEqual({ ok: true, args: [], kwargs: {} });
  });

  it.each([
    ['[1,', '{}', /args is not valid JSON/],
    ['[]', '{', /kwargs is not valid JSON/],
    ['{"a": 1}', '{}', /args must be a JSON array/],
    ['"text"', '{}', /args must be a JSON array/],
    ['[]', '[1]', /kwargs must be a JSON object/],
    ['[]', 'null', /kwargs must be a JSON object/],
  ])('refuses args %s kwargs %s', (args, kwargs, message) => {
    const r = parseEnteredArguments(args, kwargs);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});
