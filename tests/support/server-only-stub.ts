// Empty stand-in for the `server-only` marker package when running under Vitest.
export {};
