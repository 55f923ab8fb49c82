import type { z } from 'zod';
import type { RouteSpec } from './route-spec';
import { toJsonSchema, type JsonSchema } from './json-schema';

// One operation of the OpenAPI document from what a route recorded: its parameters and body from
// the schemas it validates with, its answer from its response schema, and the errors it can give.

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });

export function operation(spec: RouteSpec, method: string, path: string, tag: string, schemas: Record<string, JsonSchema>) {
  const doc = spec.doc;
  const parameters = [...objectParameters(spec.params, 'path', schemas), ...objectParameters(spec.query, 'query', schemas)];
  const status = String(doc?.status ?? 200);
  const description = status === '201' ? 'Created' : status === '303' ? 'Redirect (Location)' : 'OK';
  const success = status === '303'
    ? { description }
    : doc?.contentType
    ? { description, content: { [doc.contentType]: { schema: { type: 'string' } } } }
    : { description, content: { 'application/json': { schema: doc?.response ? toJsonSchema(doc.response, 'output', schemas) : {} } } };
  const validates = Boolean(spec.params ?? spec.query ?? spec.body ?? spec.form);
  const formSchema = spec.form ? toJsonSchema(spec.form, 'input', schemas) : null;
  return {
    operationId: operationId(method, path),
    tags: [tag],
    summary: doc?.summary ?? `${method.toUpperCase()} ${path}`,
    ...(doc?.description ? { description: doc.description } : {}),
    ...(spec.permission === 'public' ? { security: [] } : { 'x-permission': spec.permission }),
    ...(parameters.length ? { parameters } : {}),
    ...(spec.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: toJsonSchema(spec.body, 'input', schemas) } } } }
      : formSchema
      ? { requestBody: { required: false, content: { 'application/x-www-form-urlencoded': { schema: formSchema }, 'application/json': { schema: formSchema } } } }
      : {}),
    responses: {
      [status]: success,
      ...(spec.body ?? spec.form ? { '400': ref('BadRequest'), '413': ref('TooLarge'), '415': ref('UnsupportedMediaType') } : {}),
      ...(spec.permission === 'public' ? {} : { '401': ref('Unauthorized'), '403': ref('Forbidden') }),
      ...(spec.params ? { '404': ref('NotFound') } : {}),
      ...(validates ? { '422': ref('Invalid') } : {}),
      '429': ref('TooManyRequests'),
      '503': ref('Unavailable'),
    },
  };
}

/** Every property of a zod object as a path or query parameter. */
function objectParameters(schema: z.ZodType | undefined, where: 'path' | 'query', schemas: Record<string, JsonSchema>) {
  if (!schema) return [];
  const json = toJsonSchema(schema, 'input', schemas);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, { description, ...s }]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof description === 'string' ? { description } : {}),
    schema: s,
  }));
}

function operationId(method: string, path: string): string {
  const words = path.replace(/^\/api\/v1|^\//, '').split(/[^A-Za-z0-9]+/).filter(Boolean);
  return method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
