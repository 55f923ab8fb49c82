import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTs from 'eslint-config-next/typescript';

// Lint enforces the layering: only server code (lib/server, route handlers, scripts, tests) may
// reach Redis; UI components and client modules never import lib/server or ioredis.
const serverOnlyImports = {
  patterns: [
    { group: ['ioredis', 'ioredis/*'], message: 'Redis access lives in lib/server only.' },
    { group: ['@/lib/server/*', '**/lib/server/*'], message: 'UI code must not import server modules; use the API or a server page.' },
  ],
};

// Pages, layouts and route handlers call domain modules (lib/server/<domain>): never the store,
// the Celery protocol layer or Redis itself, so that what a page shows has one owner.
const domainOnlyImports = {
  patterns: [
    { group: ['ioredis', 'ioredis/*'], message: 'Redis access lives in lib/server only; call a domain function.' },
    {
      group: ['@/lib/server/store/*', '@/lib/server/celery/*', '@/lib/server/redis/*', '**/lib/server/store/*', '**/lib/server/celery/*', '**/lib/server/redis/*'],
      message: 'Pages and routes call domain functions (lib/server/<domain>), not the store, protocol or redis layers.',
    },
  ],
};

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: ['.next/**', 'node_modules/**', 'next-env.d.ts', 'docs/**', 'examples/**', 'public/**', '.demo/**'],
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['components/**/*.{ts,tsx}', 'lib/hooks/**/*.{ts,tsx}', 'lib/schemas/**/*.ts', 'lib/*.ts'],
    rules: { 'no-restricted-imports': ['error', serverOnlyImports] },
  },
  {
    files: ['app/**/*.{ts,tsx}'],
    rules: { 'no-restricted-imports': ['error', domainOnlyImports] },
  },
];

export default config;
