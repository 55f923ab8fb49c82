import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/openapi/document';

// The OpenAPI document must describe every route the app serves.
function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    if (statSync(full).isDirectory()) return routeFiles(full);
    return entry === 'route.ts' ? [full] : [];
  });
}

describe('OpenAPI document', () => {
  it('has a path for every route handler under app/api', () => {
    const doc = openApiDocument();
    const documented = new Set(Object.keys(doc.paths));
    const routes = routeFiles('app/api').map((f) =>
      '/' + path.relative('app', path.dirname(f)).replace(/\\/g, '/').replace(/\[([^\]]+)\]/g, '{$1}'),
    );
    expect(routes.length).toBeGreaterThan(5);
    expect(routes.filter((r) => !documented.has(r))).toEqual([]);
  });

  it('documents GET /metrics as Prometheus text', () => {
    const metrics = openApiDocument().paths['/metrics'];
    expect(Object.keys(metrics.get.responses['200'].content)).toEqual(['text/plain; version=0.0.4; charset=utf-8']);
  });

  it('is OpenAPI 3.1 with an error schema', () => {
    const doc = openApiDocument();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.schemas.Error.properties.error.required).toEqual(['code', 'message']);
  });
});
