import { describe, expect, it } from 'vitest';
import { celeryNames, parseBindingMember, resultNames, stepForPriority } from '@/lib/server/celery/names';

const SEP = '\x06\x16';

describe('Celery names on Redis', () => {
  it('puts the DB number and global_keyprefix on channels and keys (protocol §1.2, §1.3)', () => {
    const n = celeryNames({ db: 3, keyPrefix: 'myapp:', prioritySteps: [0, 3, 6, 9], separator: SEP });
    expect(n.eventPattern).toBe('myapp:/3.celeryev/*');
    expect(n.eventChannel('task.multi')).toBe('myapp:/3.celeryev/task.multi');
    expect(n.pidboxChannel).toBe('myapp:/3.celery.pidbox');
    expect(n.bindingKey('celery')).toBe('myapp:_kombu.binding.celery');
    expect(n.unackedKey).toBe('myapp:unacked');
    expect(n.queueBandKeys('celery').map((b) => b.key)).toEqual(['myapp:celery', `myapp:celery${SEP}3`, `myapp:celery${SEP}6`, `myapp:celery${SEP}9`]);
  });

  it('chooses the priority band as the largest step <= priority, clamped', () => {
    expect([0, 2, 3, 5, 6, 8, 9, 12, -1].map((p) => stepForPriority(p))).toEqual([0, 0, 3, 3, 6, 6, 9, 9, 0]);
    expect(stepForPriority('x')).toBe(0);
    expect(stepForPriority(7, [0, 5])).toBe(5);
  });

  it('parses binding members', () => {
    expect(parseBindingMember(`celery${SEP}${SEP}celery`)).toEqual({ routingKey: 'celery', pattern: '', queue: 'celery' });
    expect(parseBindingMember('garbage')).toBeNull();
  });

  it('names result keys with the result backend prefix rule (§7.1)', () => {
    expect(resultNames({ keyPrefix: '' }).taskMetaKey('a')).toBe('celery-task-meta-a');
    expect(resultNames({ keyPrefix: 'x' }).taskMetaKey('a')).toBe('x_celery-task-meta-a');
    expect(resultNames({ keyPrefix: 'x:' }).chordJoinKey('g')).toBe('x:celery-taskset-meta-g.j');
  });
});
