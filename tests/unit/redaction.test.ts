import { describe, expect, it } from 'vitest';
import { redactSecrets } from '@/lib/server/celery/control';
import { redactUrl } from '@/lib/server/redis/url';

// Credentials in URLs and settings (protocol doc §8.15): every occurrence, anywhere in a string.

describe('redactUrl', () => {
  it.each([
    ['redis://:a@h1:6379/0;redis://:b@h2:6379/0', 'redis://:***@h1:6379/0;redis://:***@h2:6379/0'],
    ['sentinel://:s1@10.0.0.1:26379;sentinel://user:s2@10.0.0.2:26379;sentinel://10.0.0.3:26379', 'sentinel://:***@10.0.0.1:26379;sentinel://user:***@10.0.0.2:26379;sentinel://10.0.0.3:26379'],
    ['amqp://guest:gu3st@rabbit:5672//', 'amqp://guest:***@rabbit:5672//'],
    ['rediss://default:tls-pw@cache.example:6380/2?ssl_cert_reqs=required', 'rediss://default:***@cache.example:6380/2?ssl_cert_reqs=required'],
    ['sqla+postgresql://scott:tiger@db.internal/celery', 'sqla+postgresql://scott:***@db.internal/celery'],
    ['db+mysql://u:p%40ss@db/x', 'db+mysql://u:***@db/x'],
    ["Cannot connect to redis://:hunter2@10.1.1.1:6379/0: Connection refused.", 'Cannot connect to redis://:***@10.1.1.1:6379/0: Connection refused.'],
    ["[Connection('amqp://u:one@h1//'), Connection('amqp://u:two@h2//')]", "[Connection('amqp://u:***@h1//'), Connection('amqp://u:***@h2//')]"],
    ['amqp://u:p1@h1,amqp://u:p2@h2', 'amqp://u:***@h1,amqp://u:***@h2'],
    // A raw "@" inside the password: everything up to the host's "@" is hidden.
    ['redis://:p@ss@h:6379/0', 'redis://:***@h:6379/0'],
    // Celery's own maybe_sanitize_url on a failover list (captured from 5.2.6): the second password survives it.
    ['redis://:**@h1%3Bredis//:b@h2', 'redis://:***@h1%3Bredis//:***@h2'],
    ['redis://h:6379/0?password=qs-secret&db=1', 'redis://h:6379/0?password=***&db=1'],
    ['https://api.example/x?access_token=abc;y=1&api_key=k', 'https://api.example/x?access_token=***;y=1&api_key=***'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('leaves URLs without passwords, ports and e-mail addresses alone', () => {
    for (const text of ['redis://h1:6379/0;redis://h2:6379/0', 'amqp://guest@rabbit//', 'http://host:8080/a@b', 'mail ops@example.com at 10:30', 'redis://localhost']) {
      expect(redactUrl(text)).toBe(text);
    }
  });
});

describe('redactSecrets (conf/stats replies)', () => {
  it('hides every URL password in nested values and keys, and values of secret-looking keys', () => {
    const conf = {
      broker_url: 'redis://:a@h1;redis://:b@h2',
      result_backend: 'db+postgresql://celery:pg-pw@db/results',
      broker_transport_options: { sentinel_kwargs: { password: 'x-sentinel' }, master_name: 'mymaster', visibility_timeout: 3600 },
      notes: ['see rediss://ops:list-pw@cache:6380/0 for details'],
      'redis://:in-a-key@h': 1,
      my_service_token: 'tok-123',
      aws_secret_access_key: 'AKIA-secret',
      database_credentials: { user: 'u', pass: 'p' },
      key: 'raw-key',
      task_default_routing_key: 'celery',
      broker_use_ssl: false,
      worker_prefetch_multiplier: 4,
      task_acks_late: true,
    };
    const r = redactSecrets(conf) as Record<string, unknown>;
    const text = JSON.stringify(r);
    for (const secret of [':a@', ':b@', 'pg-pw', 'x-sentinel', 'list-pw', 'in-a-key', 'tok-123', 'AKIA', '"p"', 'raw-key']) expect(text).not.toContain(secret);
    expect(r).toEqual({
      broker_url: 'redis://:***@h1;redis://:***@h2',
      result_backend: 'db+postgresql://celery:***@db/results',
      broker_transport_options: { sentinel_kwargs: { password: '***' }, master_name: 'mymaster', visibility_timeout: 3600 },
      notes: ['see rediss://ops:***@cache:6380/0 for details'],
      'redis://:***@h': 1,
      my_service_token: '***',
      aws_secret_access_key: '***',
      database_credentials: '***',
      key: '***',
      task_default_routing_key: 'celery',
      broker_use_ssl: false,
      worker_prefetch_multiplier: 4,
      task_acks_late: true,
    });
  });
});
