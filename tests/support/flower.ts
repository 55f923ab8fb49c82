// Flower's REST API answers as tests compare them: the captured fixtures (tests/fixtures/flower,
// written by scripts/capture-flower.sh), a route handler's answer in the same form, and where two
// answers' shapes differ (keys, nesting, value types; values that depend on the run are not compared).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export const Fixture = z.object({ request: z.object({ method: z.string(), path: z.string() }), status: z.number(), contentType: z.string(), body: z.unknown() });
export type Fixture = z.infer<typeof Fixture>;
const FIXTURES = path.resolve(__dirname, '../fixtures/flower');
export const fixture = (name: string): Fixture => Fixture.parse(JSON.parse(readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')));

export type Handler = (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>;
export interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

/** GET, or POST with `body` (form fields unless another content type is given). */
export async function call(handler: Handler, url: string, params: Record<string, string> = {}, body?: string, sentAs = 'application/x-www-form-urlencoded'): Promise<Answer> {
  const init: RequestInit = body === undefined ? {} : { method: 'POST', body, headers: { 'content-type': sentAs } };
  const res = await handler(new Request(`http://localhost${url}`, init), { params: Promise.resolve(params) });
  const contentType = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, contentType, body: contentType.startsWith('application/json') ? (JSON.parse(text) as unknown) : text };
}

/** Where two values' shapes differ: keys, nesting, and the type of each value (null matches any type: the field is nullable). */
export function shapeDiff(flower: unknown, ours: unknown, at = '$'): string[] {
  if (flower === null || ours === null) return [];
  if (Array.isArray(flower) || Array.isArray(ours)) {
    if (!Array.isArray(flower) || !Array.isArray(ours)) return [`${at}: ${kind(flower)} vs ${kind(ours)}`];
    return flower.length && ours.length ? shapeDiff(flower[0], ours[0], `${at}[0]`) : [];
  }
  if (typeof flower === 'object' || typeof ours === 'object') {
    if (typeof flower !== 'object' || typeof ours !== 'object') return [`${at}: ${kind(flower)} vs ${kind(ours)}`];
    const a = flower as Record<string, unknown>;
    const b = ours as Record<string, unknown>;
    const keys = (o: Record<string, unknown>) => Object.keys(o).sort().join(',');
    if (keys(a) !== keys(b)) return [`${at}: keys ${keys(a)} vs ${keys(b)}`];
    return Object.keys(a).flatMap((k) => shapeDiff(a[k], b[k], `${at}.${k}`));
  }
  return typeof flower === typeof ours ? [] : [`${at}: ${kind(flower)} vs ${kind(ours)}`];
}
export const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** A record keyed by ids or hostnames: its entries' shapes, each against the fixture's first entry. */
export function entriesDiff(flower: unknown, ours: unknown): string[] {
  const first = Object.values(flower as Record<string, unknown>)[0];
  const mine = Object.entries(ours as Record<string, unknown>);
  if (mine.length === 0) return ['no entries'];
  return mine.flatMap(([k, v]) => shapeDiff(first, v, `$.${k}`));
}

/** Workers: the same keys per worker and the kind of each (the replies inside are the workers' own, not Flower's). */
export function workerDiff(flower: unknown, ours: unknown): string[] {
  const top = (v: unknown) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, kind(x)]));
  const first = Object.values(flower as Record<string, unknown>)[0];
  return Object.entries(ours as Record<string, unknown>).flatMap(([host, v]) => shapeDiff(top(first), top(v), `$.${host}`));
}

export const jsonType = (a: Answer) => a.contentType.split(';')[0];
