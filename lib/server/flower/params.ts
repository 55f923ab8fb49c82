import { z } from 'zod';

// Flower's parameter parsing, for its paths' schemas: Tornado hands every value over as text (a
// JSON body may send numbers and booleans), booleans are loose (`1`, `true`, `yes`), and the task
// filters treat `All` as no filter.

const FALSE = new Set(['', '0', 'false', 'no', 'off', 'n', 'f']);

/** `refresh=1`, `terminate=true`, … (absent: false). */
export const looseBool = z
  .union([z.string().max(10), z.boolean()])
  .optional()
  .transform((v) => (typeof v === 'boolean' ? v : v !== undefined && !FALSE.has(v.toLowerCase())));

/** A number sent as text or as JSON. */
export const numberParam = z.union([z.number(), z.string().trim().min(1).max(30).transform(Number).pipe(z.number())]);

/** An integer sent as text or as JSON. */
export const intParam = numberParam.pipe(z.number().int());

/** A text filter where `All` (Flower's menus) means no filter. */
export const filterParam = (max: number) =>
  z
    .string()
    .max(max)
    .optional()
    .transform((v) => (v === undefined || v === '' || v === 'All' ? undefined : v));

/** Flower's `received_start`/`received_end` form, `YYYY-MM-DD HH:MM` (read as UTC), or epoch seconds, or ISO 8601. */
export const flowerTime = z
  .string()
  .max(40)
  .optional()
  .transform((text, ctx) => {
    if (text === undefined || text.trim() === '') return undefined;
    const t = text.trim();
    const minute = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})$/.exec(t);
    const ms = minute ? Date.parse(`${minute[1]}T${minute[2]}:00Z`) : /^\d+(\.\d+)?$/.test(t) ? Number(t) * 1000 : Date.parse(t);
    if (Number.isFinite(ms)) return ms / 1000;
    ctx.addIssue({ code: 'custom', message: `"${text}" is not YYYY-MM-DD HH:MM, epoch seconds or ISO 8601` });
    return z.NEVER;
  });

/** What Flower's control paths validate against (routes do not import the protocol layer). */
export { QueueNameSchema, RateLimitSchema } from '../celery/control';
