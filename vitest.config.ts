import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite strips types from .ts/.mts only by default; lib/here.cts is TypeScript too.
  esbuild: { include: /\.([cm]?ts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    // Each test file in its own child process: a native crash (or a sanitizer build's report)
    // takes down one file's run, not the runner, and the addon is never shared across files.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
