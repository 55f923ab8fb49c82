import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Browser tests: Debian's Chromium through playwright-core against a real stack (redis-server, real
// Celery workers, a built Trellis under `next start`). Run by tests/browser/run.sh.
const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: { alias: { '@': root, 'server-only': path.join(root, 'tests/support/server-only-stub.ts') } },
  test: {
    environment: 'node',
    include: ['tests/browser/**/*.spec.ts'],
    testTimeout: 90_000,
    hookTimeout: 240_000,
    fileParallelism: false,
  },
});
