import { describe, expect, it } from 'vitest';
import { isCardNumber, luhnValid, maskCardNumbers } from '@/lib/server/redaction/card-numbers';
import { keyMatcher, parseRedactKeys } from '@/lib/server/redaction/key-patterns';
import { createRedactor } from '@/lib/server/redaction/redactor';
import { exceptionClassOnly, hidePayload } from '@/lib/server/redaction/hide';
import { loadConfig } from '@/lib/server/config';

// The redactor on task data as Celery sends it: reprs of args/kwargs, JSON results, exception
// messages, tracebacks. Values under secret keys, card-like numbers and URL passwords become ***.

const r = createRedactor(['ssn', 'x_*_sig']);

describe('secret keys', () => {
  it('match the defaults as substrings, case- and dash-insensitively, and configured globs over the whole key', () => {
    const m = keyMatcher(['ssn', 'x_*_sig']);
    for (const k of ['password', 'DB_PASSWORD', 'passwd', 'client_secret', 'accessToken', 'API-KEY', 'apiKey', 'Authorization', 'set-cookie', 'aws_credentials', 'ssn', 'user_ssn', 'x_hmac_sig'])
      expect(m(k), k).toBe(true);
    for (const k of ['name', 'value', 'card', 'count', 'keyword', 'x_hmac_sig2', 'auth_method', 'id']) expect(m(k), k).toBe(false);
  });

  it('TRELLIS_REDACT_KEYS accepts words and globs, and names a bad pattern', () => {
    expect(parseRedactKeys(' ssn, x_*_sig ,,')).toEqual(['ssn', 'x_*_sig']);
    expect(parseRedactKeys('ok,a b')).toBe('"a b" must be letters, digits and _.- with * or ? as wildcards (at most 100 characters)');
  });
});

describe('texts', () => {
  it.each([
    // Celery's kwargsrepr and argsrepr (Python reprs)
    ["{'password': 'hunter2', 'user': 'ann'}", "{'password': '***', 'user': 'ann'}"],
    ["('a', {'token': 'y'})", "('a', {'token': '***'})"],
    ["{'auth': {'api_key': b'k1', 'n': 1}, 'Authorization': \"Bearer x.y\"}", "{'auth': {'api_key': '***', 'n': 1}, 'Authorization': '***'}"],
    ["{'password': \"it's\", 'next': 1}", "{'password': '***', 'next': 1}"],
    ["{'credentials': {'user': 'u', 'pw': 'p'}, 'x': [1, 2]}", "{'credentials': '***', 'x': [1, 2]}"],
    ["{'secret': ('a', 'b'), 'ssn': 123456789}", "{'secret': '***', 'ssn': '***'}"],
    ["{'cookie': SimpleCookie({'a': 'b'}), 'k': 2}", "{'cookie': '***', 'k': 2}"],
    ["{'password': None, 'token': ''}", "{'password': None, 'token': '***'}"],
    // JSON, and JSON escaped inside a string
    ['{"password": "p", "n": 3, "deep": {"client_secret": 42}}', '{"password": "***", "n": 3, "deep": {"client_secret": "***"}}'],
    ['"{\\"token\\": \\"abc\\", \\"a\\": 1}"', '"{\\"token\\": \\"***\\", \\"a\\": 1}"'],
    ["('{\"password\": \"in-a-string\"}',)", "('{\"password\": \"***\"}',)"],
    // keyword reprs and free text (exception messages)
    ["User(name='ann', password='pw1')", "User(name='ann', password=***)"],
    ["ValueError('login refused: password=hunter2-SECRET for ann')", "ValueError('login refused: password=*** for ann')"],
    ['401 Unauthorized; Authorization: Bearer eyJhbGciOi.x.y sent', '401 Unauthorized; Authorization: *** sent'],
    // cards and URLs anywhere
    ["{'card': '4111 1111 1111 1111'}", "{'card': '***'}"],
    ['charged 4111-1111-1111-1111 ok, amex 3782 822463 10005, raw 5555555555554444.', 'charged *** ok, amex ***, raw ***.'],
    ["ConnectionError('redis://:hunter2@10.0.0.1:6379/0 refused')", "ConnectionError('redis://:***@10.0.0.1:6379/0 refused')"],
  ])('%s', (input, expected) => {
    expect(r.text(input)).toBe(expected);
  });

  it('keeps ordinary texts, numbers, timestamps and ids unchanged', () => {
    for (const text of [
      "(2, 3)",
      "{'value': {'nested': [1, 'two', None]}}",
      "{'user_id': 4111111111111111111, 'ts': 1700000000.1234567}", // 19 digits starting with 1 (a snowflake-like id)
      'at 1733230000 (1733230000123 ms, 1733230000123456 µs, 1733230000123456789 ns)',
      'uuid 4111-1111-1111-1111-111111111111 and d290f1ee-6c54-4b01-90e6-d701748f0851',
      'float 0.4111111111111111 and 2.5555555555554444',
      'order 4111111111111112 (not Luhn-valid), phone +44 20 7946 0958',
      'Traceback (most recent call last):\n  File "/app/tasks.py", line 3, in run\n    if token:\nKeyError: \'user\'',
      'http://h:8080/x?page=2&user=ann',
      'the token bucket is empty; keys: 3',
    ])
      expect(r.text(text), text).toBe(text);
  });

  it('Luhn: the test cards pass, a digit changed fails', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111121')).toBe(false);
    expect(isCardNumber('378282246310005')).toBe(true);
    expect(isCardNumber('1111111111111111111')).toBe(false); // issuer digit 1: not a card
    expect(maskCardNumbers('no digits here', '***')).toBe('no digits here');
  });
});

describe('structured values', () => {
  it('masks secret keys at any depth, card numbers as strings or numbers, URL passwords in keys and values', () => {
    const value = {
      status: 'SUCCESS',
      result: { password: 'p', items: [{ token: 't', id: 7 }], card: 4111111111111111, note: "kwargs {'secret': 's'}" },
      'redis://:k@h': 1,
      timestamps: [1733230000.5, 1733230000123],
      flag: { password: null, token: false },
    };
    expect(r.value(value)).toEqual({
      status: 'SUCCESS',
      result: { password: '***', items: [{ token: '***', id: 7 }], card: '***', note: "kwargs {'secret': '***'}" },
      'redis://:***@h': 1,
      timestamps: [1733230000.5, 1733230000123],
      flag: { password: null, token: false },
    });
  });
});

describe('hiding payloads (TRELLIS_HIDE_ARGS=viewer)', () => {
  it('replaces args, kwargs, results and tracebacks, and keeps an exception class only', () => {
    expect(exceptionClassOnly("ValueError('boom')")).toBe('ValueError');
    expect(exceptionClassOnly('celery.exceptions.Retry: later')).toBe('celery.exceptions.Retry');
    expect(exceptionClassOnly('!! odd')).toBe('[hidden]');
    expect(hidePayload([{ id: 'a', name: 'tasks.add', args: [1], kwargs: { x: 1 }, request: { argsrepr: '(1,)', result: null }, exception: "KeyError('k')" }])).toEqual([
      { id: 'a', name: 'tasks.add', args: '[hidden]', kwargs: '[hidden]', request: { argsrepr: '[hidden]', result: null }, exception: 'KeyError' },
    ]);
  });
});

describe('configuration', () => {
  const base = { CELERY_BROKER_URL: 'redis://127.0.0.1:6379/0' };

  it('TRELLIS_REDACT_KEYS adds patterns to the defaults; TRELLIS_HIDE_ARGS is viewer or none (default none)', () => {
    expect(loadConfig(base)).toMatchObject({ redactKeys: [], hideArgs: 'none' });
    expect(loadConfig({ ...base, TRELLIS_REDACT_KEYS: 'ssn,iban*', TRELLIS_HIDE_ARGS: 'viewer' })).toMatchObject({ redactKeys: ['ssn', 'iban*'], hideArgs: 'viewer' });
    expect(() => loadConfig({ ...base, TRELLIS_HIDE_ARGS: 'all', TRELLIS_REDACT_KEYS: 'a/b' })).toThrow(
      /TRELLIS_REDACT_KEYS: "a\/b" must be letters[\s\S]*TRELLIS_HIDE_ARGS: must be "viewer"/,
    );
  });
});
