import { availableParallelism } from 'node:os';

import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Vite strips types from .ts/.mts only by default; lib/here.cts is TypeScript too.
  esbuild: { include: /\.([cm]?ts|[jt]sx)$/ },
  test: {
    include: ['test/**/*.test.ts'],
    // Rebuilds dist/ when lib/ or cli/ changed: the CLI, worker and child-process tests run it.
    globalSetup: ['test/global-setup.ts'],
    // Each test file in its own child process: a native crash (or a sanitizer build's report)
    // takes down one file's run, not the runner, and the addon is never shared across files.
    pool: 'forks',
    // One fork more than the cores, not vitest's default of one fewer: many files wait on child
    // processes (the CLI's, redis-server, workers) rather than compute, and on 2 cores the default
    // ran every file in one fork (the whole suite 234 s here; 3 forks: 142 s).
    maxWorkers: availableParallelism() + 1,
    // Many tests fit degenerate data on purpose: their GaussmixWarnings would bury the report.
    // The 'warning' events still fire (test/warnings.test.ts listens to them); only Node's
    // printing of them is off.
    poolOptions: {
      forks: {
        execArgv: process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=GaussmixWarning'] : [],
      },
    },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
