import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`../../packages/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Integration tests call the client's and the domain's source (the domain's as the
    // workspace's TypeScript does, through the `@ledger/source` export condition); the pack tests
    // cover the built packages.
    alias: [
      { find: /^@ledger\/client$/, replacement: source('client/src/index.ts') },
      { find: /^@ledger\/domain$/, replacement: source('domain/src/index.ts') },
      { find: /^@ledger\/domain\/internal$/, replacement: source('domain/src/internal.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Every test server logs at `trace` into one directory; the teardown fails the run when a
    // log holds a customer's email or name or key material (test/log-audit.ts).
    globalSetup: ['test/log-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
