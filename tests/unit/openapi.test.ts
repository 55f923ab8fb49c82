import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/openapi/document';
import { routeModules } from '@/lib/openapi/routes';
import type { RouteSpec } from '@/lib/openapi/route-spec';

// The OpenAPI document is generated from the routes: every route the app serves (found on the file
// system) must be in the generator's map, every handler must say what it does, and the result
// must be a self-consistent document.

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === 'route.ts' ? [full] : [];
  });
}

const urlPath = (file: string) => '/' + path.relative('app', path.dirname(file)).replace(/\\/g, '/').replace(/\[([^\]]+)\]/g, '{$1}');
type Operation = { summary: string; parameters?: Array<{ name: string; in: string; schema: Record<string, unknown> }>; responses: Record<string, { content?: Record<string, unknown> }> };
const op = (p: string, method: string) => (openApiDocument().paths[p] ?? {})[method] as Operation;

describe('OpenAPI document', () => {
  it('generates a path for every route handler under app/api, app/metrics and app/healthcheck, from its module', () => {
    const routes = [...routeFiles('app/api'), 'app/metrics/route.ts', 'app/healthcheck/route.ts'].map(urlPath).sort();
    expect(routes.length).toBeGreaterThan(25);
    expect(Object.keys(routeModules).sort()).toEqual(routes);
    expect(Object.keys(openApiDocument().paths).sort()).toEqual(routes);
  });

  it('every handler recorded a summary and what it answers', () => {
    const missing = Object.entries(routeModules).flatMap(([p, mod]) =>
      Object.entries(mod)
        .filter(([k]) => /^(GET|POST|PUT|PATCH|DELETE)$/.test(k))
        .filter(([, h]) => {
          const spec = (h as { spec?: RouteSpec }).spec;
          // A browser redirect (single sign-on) answers 303 and no body.
          return !spec?.doc?.summary || !(spec.doc.response ?? spec.doc.contentType ?? spec.doc.status === 303);
        })
        .map(([m]) => `${m} ${p}`),
    );
    expect(missing).toEqual([]);
  });

  it('takes parameters and bodies from the zod schemas the routes validate with', () => {
    const limit = op('/api/v1/tasks', 'get').parameters?.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } });
    expect(op('/api/v1/tasks/{id}', 'get').parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    const tokenBody = (openApiDocument().paths['/api/v1/tokens']?.post as { requestBody: { content: { 'application/json': { schema: { properties: Record<string, unknown> } } } } }).requestBody;
    expect(Object.keys(tokenBody.content['application/json'].schema.properties)).toEqual(['name', 'role', 'expiresInSeconds']);
    expect(Object.keys(op('/api/v1/tokens', 'post').responses)).toContain('201');
  });

  it('gives every collection the one list envelope', () => {
    const doc = openApiDocument();
    const lists = ['/api/v1/tasks', '/api/v1/workers', '/api/v1/queues', '/api/v1/alerts', '/api/v1/alerts/rules', '/api/v1/alerts/silences', '/api/v1/tokens'];
    for (const p of lists) {
      const schema = (op(p, 'get').responses['200']?.content?.['application/json'] as { schema: { properties: Record<string, unknown>; required: string[] } }).schema;
      expect(schema.required, p).toEqual(expect.arrayContaining(['items', 'nextCursor']));
    }
    expect(doc.components.schemas.TaskSummary).toBeDefined();
  });

  it('documents GET /metrics as Prometheus text', () => {
    expect(Object.keys(op('/metrics', 'get').responses['200']?.content ?? {})).toEqual(['text/plain; version=0.0.4; charset=utf-8']);
  });

  it('is OpenAPI 3.1 with an error schema and every reference resolvable', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect((doc.components.schemas.Error as { properties: { error: { required: string[] } } }).properties.error.required).toEqual(['code', 'message']);
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(schemas|responses)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(10);
    for (const [, kind, name] of refs) expect(doc.components[kind as 'schemas' | 'responses'], `${kind}/${name}`).toHaveProperty([name as string]);
  });
});
