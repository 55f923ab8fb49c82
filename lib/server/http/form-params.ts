import { AppError } from '@/lib/errors';
import { isJsonContentType, MAX_BODY_BYTES, readBoundedText } from './json-body';

// Flower-style parameters of a POST: Tornado's get_argument reads the query string and form fields
// (application/x-www-form-urlencoded) alike; a JSON object body is accepted too. Body fields win
// over the query's. Bounded like a JSON body (413), anything else is 415.

export async function readFormParams(request: Request, maxBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > maxBytes) throw new AppError('PAYLOAD_TOO_LARGE', `request body over ${maxBytes / 1024} KB`);
  const query = Object.fromEntries(new URL(request.url).searchParams);
  const text = await readBoundedText(request, maxBytes);
  if (text.trim() === '') return query;
  const type = request.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/x-www-form-urlencoded') return { ...query, ...Object.fromEntries(new URLSearchParams(text)) };
  if (!isJsonContentType(type)) throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'the request body must be form fields (application/x-www-form-urlencoded) or JSON');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AppError('BAD_REQUEST', 'request body is not valid JSON');
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new AppError('BAD_REQUEST', 'a JSON body must be an object');
  return { ...query, ...(json as Record<string, unknown>) };
}
