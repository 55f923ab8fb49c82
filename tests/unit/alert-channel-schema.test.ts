import { afterEach, describe, expect, it } from 'vitest';
import { redactChannel, scrub } from '@/lib/server/alerts/channels/redact';
import { ChannelSchema, PAGERDUTY_EVENTS_URL, parseChannels, type Channel } from '@/lib/server/alerts/channels/schema';

// The `channels:` list of the alerts file: defaults, `${ENV}` secrets, one clear message per bad field.

const ok = (input: unknown): Channel[] => {
  const parsed = parseChannels(input);
  if ('errors' in parsed) throw new Error(parsed.errors.join('\n'));
  return parsed.channels;
};
const errors = (input: unknown): string[] => {
  const parsed = parseChannels(input);
  return 'errors' in parsed ? parsed.errors : [];
};

afterEach(() => {
  delete process.env.TRELLIS_TEST_ROUTING_KEY;
});

describe('channel schema', () => {
  it('fills the defaults: 10 s timeout, 3 retries, PagerDuty endpoint, a list of recipients and Alertmanagers', () => {
    const [pd, mail, am] = ok([
      { type: 'pagerduty', id: 'pd', routing_key: 'k' },
      { type: 'email', id: 'mail', smtp: 'smtps://u:p@mail.example:465', from: 'trellis@example.com', to: 'oncall@example.com' },
      { type: 'alertmanager', id: 'am', url: 'http://am:9093', timeout: '30s', retries: 0 },
    ]);
    expect(pd).toMatchObject({ timeout: 10, retries: 3, url: PAGERDUTY_EVENTS_URL });
    expect(mail).toMatchObject({ to: ['oncall@example.com'] });
    expect(am).toMatchObject({ url: ['http://am:9093'], timeout: 30, retries: 0, hold: 5 * 3600 });
  });

  it('expands ${ENV_VAR} in secrets at load', () => {
    process.env.TRELLIS_TEST_ROUTING_KEY = 'from-the-environment';
    expect(ok([{ type: 'pagerduty', id: 'pd', routing_key: '${TRELLIS_TEST_ROUTING_KEY}' }])[0]).toMatchObject({ routing_key: 'from-the-environment' });
  });

  it('names the field and the variable when a ${ENV_VAR} is unset', () => {
    expect(errors([{ type: 'slack', id: 's', url: 'https://hooks.slack.com/services/${TRELLIS_TEST_UNSET_A}/${TRELLIS_TEST_UNSET_B}' }])).toEqual([
      'channels[0].url: environment variable TRELLIS_TEST_UNSET_A, TRELLIS_TEST_UNSET_B is not set',
    ]);
  });

  it('reports every bad field with its path and never echoes a secret', () => {
    const found = errors([
      { type: 'pager', id: 'x' },
      { type: 'webhook', id: 'Ops Hook', url: 'ftp://hooks.example/s3cr3t-path', secret: 'tiny-s3cr3t', colour: 'red' },
      { type: 'email', id: 'm', from: 'trellis@example.com', to: [] },
      { type: 'slack', id: 's', url: 'https://hooks.example/x', timeout: 'soon', retries: 99 },
    ]);
    expect(found).toEqual([
      "channels[0].type: Invalid discriminator value. Expected 'webhook' | 'slack' | 'pagerduty' | 'email' | 'alertmanager'",
      'channels[1].id: lower-case letters, digits, _ and - (e.g. "ops-slack")',
      'channels[1].url: must be an http(s) URL (the receiver)',
      'channels[1].secret: at least 16 characters',
      'channels[1]: Unrecognized key: "colour"',
      'channels[2].to: Too small: expected array to have >=1 items',
      'channels[2].smtp: give either smtp (a URL) or host',
      'channels[3].timeout: "soon" is not a duration (e.g. 30, 90s, 15m, 4h)',
      'channels[3].retries: Too big: expected number to be <=10',
    ]);
    expect(found.join('\n')).not.toMatch(/s3cr3t/);
  });

  it('bounds the per-attempt timeout, so one delivery cannot hang for long', () => {
    expect(errors([{ type: 'slack', id: 's', url: 'https://hooks.example/x', timeout: '5m' }])).toEqual(['channels[0].timeout: at most 120s']);
  });

  it('refuses two channels with one id', () => {
    expect(errors([
      { type: 'slack', id: 'ops', url: 'https://hooks.example/a' },
      { type: 'slack', id: 'ops', url: 'https://hooks.example/b' },
    ])).toEqual(['channels[1].id: "ops" is used by an earlier channel']);
  });
});

describe('redactChannel', () => {
  it.each([
    [{ type: 'webhook', id: 'h', name: 'Ops hook', url: 'https://hooks.example:8443/in/t0ken?sig=abc', secret: 'whsec-0123456789abcdef', headers: { Authorization: 'Bearer tok-123' } }, ['hooks.example:8443'], ['t0ken', 'sig=abc', 'whsec', 'tok-123']],
    [{ type: 'slack', id: 's', url: 'https://hooks.slack.com/services/T1/B2/xyz789' }, ['hooks.slack.com'], ['T1/B2', 'xyz789']],
    [{ type: 'pagerduty', id: 'pd', routing_key: 'rk-secret-1' }, ['events.pagerduty.com'], ['rk-secret-1']],
    [{ type: 'email', id: 'm', smtp: 'smtp://bob:pw-secret@mail.example:587', from: 'a@example.com', to: ['b@example.com'] }, ['mail.example:587'], ['pw-secret', 'bob:']],
    [{ type: 'email', id: 'm2', host: 'mail.example', port: 25, user: 'bob', password: 'pw-secret', from: 'a@example.com', to: ['b@example.com'] }, ['mail.example:25'], ['pw-secret']],
    [{ type: 'alertmanager', id: 'am', url: ['http://u:am-pass@am1:9093', 'http://am2:9093'] }, ['am1:9093', 'am2:9093'], ['am-pass']],
  ])('%o shows its hosts and no secret', (input, targets, hidden) => {
    const shown = redactChannel(ChannelSchema.parse(input));
    expect(shown.targets).toEqual(targets);
    for (const secret of hidden) expect(JSON.stringify(shown)).not.toContain(secret);
  });
});

describe('scrub', () => {
  const c = ChannelSchema.parse({ type: 'webhook', id: 'h', url: 'https://hooks.example/in/t0ken-abcdef', secret: 'whsec-0123456789abcdef' });

  it('hides the secret URL, its path, the signing key and URL passwords', () => {
    expect(scrub('POST https://hooks.example/in/t0ken-abcdef failed; /in/t0ken-abcdef; key whsec-0123456789abcdef; redis://:pw@h:1', c)).toBe(
      'POST *** failed; ***; key ***; redis://:***@h:1',
    );
  });

  it('hides a secret cut short at the end of a text', () => {
    expect(scrub('error body: whsec-0123456', c)).toBe('error body: ***');
  });
});
