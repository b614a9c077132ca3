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
