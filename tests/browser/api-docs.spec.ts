import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import AxeBuilder from '@axe-core/playwright';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curlExamples, templateOf } from '@/lib/openapi/curl-examples';
import type { RouteSpec } from '@/lib/openapi/route-spec';
import { routeModules } from '@/lib/openapi/routes';
import { writeAlertsFile } from '../support/alerts';
import { runDriver } from '../support/celery';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { startStack, type Stack } from './stack';

// Every curl example of docs/api.md, run as written with Debian's curl against the built Trellis
// (TRELLIS_AUTH=password) with a token made by the CLI, in document order (steps keep ids for
// later examples): each must answer 2xx, and JSON that the route's response schema (the one the
// OpenAPI document shows) accepts.

const run = promisify(execFile);
const ADMIN_PASSWORD = 'a docs admin password';
const QUEUE = 'docs-unconsumed';

let stack: Stack;
let receiver: HttpReceiver;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(path.join(tmpdir(), 'trellis-api-docs-'));

/** Polls `url` with the token until `ok` says its JSON is ready (bounded). */
async function until(url: string, ok: (body: Record<string, unknown>) => boolean, what: string) {
  const end = Date.now() + 90_000;
  for (;;) {
    const res = await fetch(`${stack.baseUrl}${url}`, { headers: { authorization: `Bearer ${env.TRELLIS_TOKEN ?? ''}` } });
    if (res.ok && ok((await res.json()) as Record<string, unknown>)) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  receiver = await startHttpReceiver();
  const alertsFile = writeAlertsFile({
    rules: [{ id: 'queue-no-consumer', for: 0 }],
    channels: [{ id: 'docs-hook', type: 'webhook', url: `${receiver.url}/hook`, secret: 'a-secret-of-sixteen-chars', retries: 0 }],
  });
  const trellisEnv = { TRELLIS_AUTH: 'password', TRELLIS_ADMIN_PASSWORD: ADMIN_PASSWORD, TRELLIS_ALERTS_FILE: alertsFile, TRELLIS_ALERTS_INTERVAL: '1' };
  stack = await startStack({ env: trellisEnv, readyPath: '/api/v1/auth/me' });
  const cli = await run('npm', ['run', '-s', 'trellis', '--', 'token', 'create', '--name', 'docs', '--role', 'admin'], {
    env: { ...process.env, ...trellisEnv, CELERY_BROKER_URL: stack.brokerUrl, CELERY_RESULT_BACKEND: stack.backendUrl, TRELLIS_LOG_LEVEL: 'warn' },
    timeout: 60_000,
  });
  const token = cli.stdout.trim().split('\n').at(-1) ?? '';
  env = { ...process.env, TRELLIS_URL: stack.baseUrl, TRELLIS_TOKEN: token, TRELLIS_ADMIN_PASSWORD: ADMIN_PASSWORD };
  // What the examples need to exist: a measured queue list and a firing incident.
  await runDriver(['queue-only', QUEUE, '3'], { brokerUrl: stack.brokerUrl, backendUrl: stack.backendUrl });
  // The queue with messages and no consumer ($WAITING in the examples) measured as such.
  await until(
    '/api/v1/queues',
    (b) => Array.isArray(b.items) && b.items.some((q: { name?: string; depth?: number; consumers?: unknown[] }) => q.name === QUEUE && q.depth === 3 && q.consumers?.length === 0),
    'the unconsumed queue measured',
  );
  await until('/api/v1/alerts?status=firing', (b) => Array.isArray(b.items) && b.items.length > 0, 'a firing incident');
}, 300_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('docs/api.md against a real server', () => {
  it('has a token from the CLI', () => {
    expect(env.TRELLIS_TOKEN).toMatch(/^trellis_[0-9a-f]{32}_/);
  });

  it('runs every curl example: 2xx, and JSON as the document describes it', async () => {
    const examples = curlExamples(readFileSync('docs/api.md', 'utf8'));
    expect(examples.length).toBeGreaterThan(30);
    const results: string[] = [];
    for (const e of examples) {
      if (e.assigns) {
        const { stdout } = await run('bash', ['-c', `set -eo pipefail; ${e.command}; printf %s "$${e.assigns}"`], { env, cwd: dir, timeout: 30_000 });
        env[e.assigns] = stdout;
        results.push(`${e.assigns}=${stdout && stdout !== 'null' ? 'set' : 'EMPTY'}`);
        continue;
      }
      const body = path.join(dir, 'body');
      const outcome = await run('bash', ['-c', `${e.command} -o ${body} -w '%{http_code} %{content_type}'`], { env, cwd: dir, timeout: 30_000 }).catch(
        (err: { code?: number; stdout?: string }) => ({ stdout: err.code === 28 && e.command.includes('--max-time') ? (err.stdout ?? '') : `curl exit ${err.code}` }),
      );
      const [status = '', type = ''] = outcome.stdout.split(' ');
      const json = type.startsWith('application/json') ? checkJson(readFileSync(body, 'utf8'), e.method, e.path) : type.startsWith('text/') ? 'text' : 'unexpected type';
      results.push(`${e.method} ${e.path}: ${status.startsWith('2') ? '2xx' : status} ${json}`);
    }
    const failures = results.filter((r) => / EMPTY|: (?!2xx)|not json|unexpected type|not as documented/.test(r));
    expect(failures, results.join('\n')).toEqual([]);
    expect(results.filter((r) => r.endsWith('2xx json')).length).toBeGreaterThan(25);
  });
});

describe('the API reference page', () => {
  it('shows every operation of the served document to a signed-in user, with no serious axe violation', async () => {
    const login = await fetch(`${stack.baseUrl}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'admin', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookies = login.headers.getSetCookie().map((c) => {
      const [name = '', value = ''] = (c.split(';')[0] ?? '').split('=');
      return { name, value, url: stack.baseUrl };
    });
    const served = (await (await fetch(`${stack.baseUrl}/api/v1/openapi.json`, { headers: { authorization: `Bearer ${env.TRELLIS_TOKEN ?? ''}` } })).json()) as { paths: Record<string, object> };
    const operations = Object.values(served.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    try {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies(cookies);
      const page = await context.newPage();
      await page.goto(`${stack.baseUrl}/api-docs`, { waitUntil: 'networkidle' });
      expect(await page.locator('[data-endpoint]').count()).toBe(operations);
      const tasks = page.locator('[data-endpoint="GET /api/v1/tasks"]');
      await tasks.locator('summary').click();
      await expect(tasks.getByText('page size; default 50').isVisible()).resolves.toBe(true);
      const found: string[] = [];
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        const results = await new AxeBuilder({ page }).analyze();
        found.push(...results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${scheme} ${v.id}: ${v.nodes.length} × ${v.help} (${v.nodes[0]?.html.slice(0, 120) ?? ''})`));
      }
      expect(found).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

/** 'json' when the body is JSON its route's response schema accepts (the document's answer). */
function checkJson(text: string, method: string, urlPath: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return 'not json';
  }
  const template = templateOf(urlPath, Object.keys(routeModules)) ?? '';
  const handler = routeModules[template]?.[method] as { spec?: RouteSpec } | undefined;
  const parsed = handler?.spec?.doc?.response?.safeParse(body);
  if (!parsed) return 'json, no response schema: not as documented';
  return parsed.success ? 'json' : `json not as documented: ${parsed.error.issues.slice(0, 2).map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`;
}
