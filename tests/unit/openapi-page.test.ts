import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ApiReference } from '@/components/api-docs/api-reference';
import { openApiDocument } from '@/lib/openapi/document';

// The API reference page renders the generated document: every operation, its parameters, its
// body and its answers, and the named schemas they link to.

describe('API reference page', () => {
  const doc = openApiDocument();
  const html = renderToStaticMarkup(createElement(ApiReference, { doc }));
  const attributeValues = (name: string) => [...html.matchAll(new RegExp(` ${name}="([^"]*)"`, 'g'))].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));

  it('shows every operation of the document, grouped under its tag', () => {
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
    expect(operations.length).toBeGreaterThan(28);
    expect(attributeValues('data-endpoint').sort()).toEqual(operations.sort());
    for (const tag of doc.tags) expect(html).toContain(`aria-label="${tag.name}"`);
  });

  it('lists parameters with their types and defaults, bodies and linked response schemas', () => {
    expect(html).toContain('page size; default 50');
    expect(html).toContain('&quot;desc&quot; | &quot;asc&quot;');
    expect(html).toContain('expiresInSeconds');
    expect(html).toContain('href="#schema-TaskDetail"');
    expect(attributeValues('id')).toEqual(expect.arrayContaining(Object.keys(doc.components.schemas).map((n) => `schema-${n}`)));
    expect(html).not.toMatch(/<script/);
  });
});
