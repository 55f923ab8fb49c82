import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@': root,
      // `server-only` throws outside React Server Components; tests run server code directly.
      'server-only': path.join(root, 'tests/support/server-only-stub.ts'),
    },
  },
  test: {
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites start their own redis-server and Celery workers; 2 cores, so run files one at a time.
    fileParallelism: false,
    include: ['tests/**/*.test.ts'],
    // Suites call route handlers in tight polling loops from one "client"; rate limiting has its
    // own tests (tests/integration/protections-*.test.ts), which turn it back on.
    env: { TRELLIS_RATE_LIMIT: 'off' },
  },
});
