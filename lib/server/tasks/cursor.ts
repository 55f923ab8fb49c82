import { AppError } from '@/lib/errors';

// The opaque pagination cursor: the (score, id) position of the last item returned. Newest-first
// order is score descending, then id descending (Redis' order for equal scores).

export interface Position {
  score: number;
  id: string;
}

export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.score, p.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): Position {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') return { score: v[0], id: v[1] };
  } catch {
    // fall through
  }
  throw new AppError('INVALID_INPUT', 'cursor: not valid (pass back nextCursor exactly as received)');
}

export type Order = 'desc' | 'asc';

/** True when `a` comes strictly after position `p` in this order (desc: newest first). */
export function isAfter(a: Position, p: Position, order: Order = 'desc'): boolean {
  return order === 'desc' ? a.score < p.score || (a.score === p.score && a.id < p.id) : a.score > p.score || (a.score === p.score && a.id > p.id);
}

export function compareNewestFirst(a: Position, b: Position): number {
  return b.score - a.score || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export const comparator = (order: Order) => (order === 'desc' ? compareNewestFirst : (a: Position, b: Position) => -compareNewestFirst(a, b));
