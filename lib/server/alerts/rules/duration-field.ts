import { z } from 'zod';
import { parseDurationSeconds } from '../../config';

/** A duration in the alerts file: "90", "90s", "15m", "4h", "7d" or a number of seconds (≥ 0). */
export const DurationField = z.union([z.number().nonnegative(), z.string()]).transform((v, ctx) => {
  const s = typeof v === 'number' ? v : parseDurationSeconds(v);
  if (s === null || s < 0) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (e.g. 30, 90s, 15m, 4h)` });
    return z.NEVER;
  }
  return s;
});
