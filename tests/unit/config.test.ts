import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseByteSize, parseDurationSeconds } from '@/lib/server/config';

describe('configuration', () => {
  it('uses Celery-like defaults: everything on the broker URL, keys under trellis:', () => {
    const c = loadConfig({});
    expect(c.broker).toMatchObject({ host: 'localhost', port: 6379, db: 0 });
    expect(c.resultBackend.url).toBe(c.broker.url);
    expect(c.store.url).toBe(c.broker.url);
    expect(c.storePrefix).toBe('trellis:');
    expect(c.prioritySteps).toEqual([0, 3, 6, 9]);
    expect(c.prioritySeparator).toBe('\x06\x16');
    expect(c.controlExchange).toBe('celery');
    expect(c.retention).toEqual({ maxTasks: 100_000, maxAgeSeconds: 7 * 86400 });
    expect(c.port).toBe(3000);
  });

  it('reads every setting', () => {
    const c = loadConfig({
      CELERY_BROKER_URL: 'redis://:secret@10.0.0.5:6380/3',
      CELERY_RESULT_BACKEND: 'redis://10.0.0.5:6380/4',
      TRELLIS_STORE_URL: 'rediss://store:6390/1',
      TRELLIS_BROKER_KEYPREFIX: 'myapp:',
      TRELLIS_PRIORITY_STEPS: '0,5',
      TRELLIS_PRIORITY_SEP: ':',
      TRELLIS_CONTROL_EXCHANGE: 'ops.v2',
      TRELLIS_RETENTION_MAX_TASKS: '5000',
      TRELLIS_RETENTION_MAX_AGE: '12h',
      PORT: '8080',
    });
    expect(c.broker).toMatchObject({ host: '10.0.0.5', port: 6380, db: 3, password: 'secret' });
    expect(c.resultBackend.db).toBe(4);
    expect(c.store).toMatchObject({ host: 'store', port: 6390, db: 1, tls: true });
    expect(c.brokerKeyPrefix).toBe('myapp:');
    expect(c.prioritySteps).toEqual([0, 5]);
    expect(c.prioritySeparator).toBe(':');
    expect(c.controlExchange).toBe('ops.v2');
    expect(c.retention).toEqual({ maxTasks: 5000, maxAgeSeconds: 43200 });
    expect(c.port).toBe(8080);
  });

  it('unescapes \\xHH in the separator so the kombu default can be written in an env file', () => {
    expect(loadConfig({ TRELLIS_PRIORITY_SEP: '\\x06\\x16' }).prioritySeparator).toBe('\x06\x16');
  });

  it('lists every bad value with its own message', () => {
    try {
      loadConfig({
        CELERY_BROKER_URL: 'amqp://guest@rabbit//',
        TRELLIS_RETENTION_MAX_TASKS: '-3',
        TRELLIS_RETENTION_MAX_AGE: 'forever',
        TRELLIS_PRIORITY_STEPS: '3,0',
        TRELLIS_CONTROL_EXCHANGE: 'ops pidbox',
        PORT: '70000',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join('\n');
      expect(problems).toMatch(/CELERY_BROKER_URL: scheme "amqp:" is not supported/);
      expect(problems).toMatch(/TRELLIS_RETENTION_MAX_TASKS: "-3"/);
      expect(problems).toMatch(/TRELLIS_RETENTION_MAX_AGE: "forever" is not a duration/);
      expect(problems).toMatch(/TRELLIS_PRIORITY_STEPS/);
      expect(problems).toMatch(/TRELLIS_CONTROL_EXCHANGE: letters, digits and _\.:- only/);
      expect(problems).toMatch(/PORT: "70000"/);
    }
  });

  it('rejects a non-integer database and never echoes a password', () => {
    try {
      loadConfig({ CELERY_BROKER_URL: 'redis://:hunter2@host/abc' });
      expect.unreachable();
    } catch (err) {
      const text = (err as ConfigError).message;
      expect(text).toMatch(/database "abc" must be a non-negative integer/);
      expect(text).not.toContain('hunter2');
    }
  });

  it('accepts a control exchange only as a plain exchange name', () => {
    expect(loadConfig({ TRELLIS_CONTROL_EXCHANGE: 'my-app_1:ctl' }).controlExchange).toBe('my-app_1:ctl');
    for (const bad of ['x'.repeat(101), 'a/b', 'ops\x06\x16', 'ops*']) expect(() => loadConfig({ TRELLIS_CONTROL_EXCHANGE: bad })).toThrow(/TRELLIS_CONTROL_EXCHANGE: letters, digits/);
  });

  it('reads Celery’s sentinel:// list: every entry a sentinel, db and password from the first, master from TRELLIS_SENTINEL_MASTER', () => {
    const url = 'sentinel://:pw@127.0.0.1:26379/2;sentinel://127.0.0.1:26380/2; sentinel://[::1]';
    const c = loadConfig({ CELERY_BROKER_URL: url, TRELLIS_SENTINEL_MASTER: 'mymaster', TRELLIS_REDIS_TIMEOUT: '1.5' });
    expect(c.broker).toMatchObject({
      url,
      db: 2,
      password: 'pw',
      tls: false,
      commandTimeoutMs: 1500,
      sentinel: { masterName: 'mymaster', sentinels: [{ host: '127.0.0.1', port: 26379 }, { host: '127.0.0.1', port: 26380 }, { host: '::1', port: 26379 }] },
    });
    expect(c.store.sentinel).toEqual(c.broker.sentinel);
    expect(c.broker.sentinel?.password).toBeUndefined();
    expect(loadConfig({}).broker.commandTimeoutMs).toBe(5000);
    // The sentinels' own password (Celery: sentinel_kwargs), only for sentinel targets.
    const auth = loadConfig({ CELERY_BROKER_URL: url, TRELLIS_STORE_URL: 'redis://store/0', TRELLIS_SENTINEL_MASTER: 'mymaster', TRELLIS_SENTINEL_PASSWORD: 's3cret' });
    expect(auth.broker.sentinel?.password).toBe('s3cret');
    expect(auth.store.sentinel).toBeUndefined();
  });

  it('asks for the master name of a sentinel list and rejects mixed lists, without echoing a password', () => {
    expect(() => loadConfig({ TRELLIS_STORE_URL: 'sentinel://:hunter2@h:26379/1' })).toThrow(/TRELLIS_STORE_URL: sentinel:\/\/ URLs need TRELLIS_SENTINEL_MASTER/);
    try {
      loadConfig({ CELERY_RESULT_BACKEND: 'sentinel://:hunter2@h1;redis://h2', TRELLIS_SENTINEL_MASTER: 'm', TRELLIS_REDIS_TIMEOUT: 'never' });
      expect.unreachable();
    } catch (err) {
      const text = (err as ConfigError).message;
      expect(text).toMatch(/CELERY_RESULT_BACKEND: "redis:\/\/h2": every entry of a sentinel list must be sentinel:\/\//);
      expect(text).toMatch(/TRELLIS_REDIS_TIMEOUT: "never" is not a duration/);
      expect(text).not.toContain('hunter2');
    }
  });

  it('parses durations', () => {
    expect(parseDurationSeconds('90')).toBe(90);
    expect(parseDurationSeconds('15m')).toBe(900);
    expect(parseDurationSeconds('7d')).toBe(604800);
    expect(parseDurationSeconds('soon')).toBeNull();
  });

  it('reads the ingest backlog bound as a size, 512 MB by default, and rejects nonsense with its name', () => {
    expect(loadConfig({}).ingestBacklogBytes).toBe(512 * 1024 ** 2);
    expect(loadConfig({ TRELLIS_INGEST_BACKLOG: '2gb' }).ingestBacklogBytes).toBe(2 * 1024 ** 3);
    expect(parseByteSize('64 KB')).toBe(65_536);
    expect(parseByteSize('1.5m')).toBe(1.5 * 1024 ** 2);
    expect(parseByteSize('lots')).toBeNull();
    for (const bad of ['lots', '10kb']) {
      try {
        loadConfig({ TRELLIS_INGEST_BACKLOG: bad });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).problems[0]).toMatch(/^TRELLIS_INGEST_BACKLOG: ".+" must be a size of at least 1 MB/);
      }
    }
  });
});

describe('TRELLIS_AUTH=none', () => {
  it('is refused unless Trellis listens on loopback', () => {
    expect(() => loadConfig({ TRELLIS_HOST: '0.0.0.0' })).toThrow(/TRELLIS_AUTH=none .* allowed only on loopback, and TRELLIS_HOST is 0\.0\.0\.0/);
    expect(loadConfig({ TRELLIS_HOST: '0.0.0.0', TRELLIS_AUTH: 'password' }).auth.mode).toBe('password');
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(loadConfig({ TRELLIS_HOST: host }).auth.mode).toBe('none');
  });
});
