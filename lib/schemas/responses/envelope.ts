import { z } from 'zod';

/** The one list envelope of every collection: `items`, and `nextCursor` (null on the last page). */
export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable().describe('opaque; pass as `cursor` for the next page; null at the end') });
