import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '@/lib/openapi/document';

// The generated document, linted by Redocly's recommended rules (redocly.yaml says which are off
// and why): an error or a warning fails the test. Offline: no telemetry, no update check.

const dir = mkdtempSync(path.join(tmpdir(), 'trellis-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('OpenAPI document lint', () => {
  it('passes @redocly/cli lint with no error and no warning', async () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(openApiDocument(), null, 2));
    const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', DO_NOT_TRACK: '1' };
    const run = promisify(execFile)('node_modules/.bin/redocly', ['lint', file, '--config', 'redocly.yaml', '--format', 'json', '--max-problems', '1000'], { env, timeout: 60_000 });
    const { stdout } = await run.catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string }> };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
