import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { curlExamples, templateOf } from '@/lib/openapi/curl-examples';
import { openApiDocument } from '@/lib/openapi/document';

// docs/api.md has a curl example for every operation of the OpenAPI document, each with a token
// (they run against a real server in tests/browser/api-docs.spec.ts).

describe('docs/api.md', () => {
  const examples = curlExamples(readFileSync('docs/api.md', 'utf8'));
  const doc = openApiDocument();
  const templates = Object.keys(doc.paths);

  it('has a curl example for every endpoint', () => {
    const covered = new Set(examples.map((e) => `${e.method} ${templateOf(e.path, templates) ?? e.path}`));
    // Browser redirects (single sign-on: 303 only) are for browsers, not scripts: no curl example.
    const forScripts = (op: { responses?: Record<string, unknown> }) => Object.keys(op.responses ?? {}).some((s) => s.startsWith('2'));
    const operations = Object.entries(doc.paths).flatMap(([p, methods]) =>
      Object.entries(methods as Record<string, { responses?: Record<string, unknown> }>).filter(([, op]) => forScripts(op)).map(([m]) => `${m.toUpperCase()} ${p}`),
    );
    expect(operations.filter((o) => !covered.has(o))).toEqual([]);
  });

  it('calls only documented paths, with the bearer token unless signing in', () => {
    expect(examples.filter((e) => !templateOf(e.path, templates)).map((e) => e.command)).toEqual([]);
    const withoutToken = examples.filter((e) => !e.command.includes('-H "Authorization: Bearer $TRELLIS_TOKEN"'));
    expect(withoutToken.map((e) => e.path)).toEqual(['/api/v1/auth/login', '/api/v1/auth/logout']);
  });
});
