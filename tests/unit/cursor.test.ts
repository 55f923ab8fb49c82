import { describe, expect, it } from 'vitest';
import { AppError } from '@/lib/errors';
import { compareNewestFirst, decodeCursor, encodeCursor, isAfter } from '@/lib/server/tasks/cursor';

describe('task list cursor', () => {
  it('round-trips a position', () => {
    const p = { score: 1795333003.7299838, id: 'ca8df7ad-600e-4757-a105-a32e1db63d6e' };
    expect(decodeCursor(encodeCursor(p))).toEqual(p);
  });

  it('rejects a tampered cursor with a 422 (an invalid field, like every other)', () => {
    expect(() => decodeCursor('not-a-cursor')).toThrow(AppError);
    try {
      decodeCursor(Buffer.from('{"a":1}').toString('base64url'));
    } catch (err) {
      expect((err as AppError).status).toBe(422);
    }
  });

  it('orders newest first, ties by id descending (Redis ZREVRANGE order)', () => {
    const items = [
      { score: 1, id: 'a' },
      { score: 2, id: 'a' },
      { score: 2, id: 'b' },
    ].sort(compareNewestFirst);
    expect(items).toEqual([
      { score: 2, id: 'b' },
      { score: 2, id: 'a' },
      { score: 1, id: 'a' },
    ]);
    expect(isAfter({ score: 2, id: 'a' }, { score: 2, id: 'b' })).toBe(true);
    expect(isAfter({ score: 2, id: 'b' }, { score: 2, id: 'b' })).toBe(false);
  });
});
