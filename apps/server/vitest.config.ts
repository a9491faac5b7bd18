import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (file: string) => fileURLToPath(new URL(`../../packages/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Integration tests call the workspace packages' source (as the workspace's TypeScript does,
    // through the `@ledger/source` export condition), never a dist/ that may be older; the pack
    // tests cover the built packages.
    alias: [
      { find: /^@ledger\/client$/, replacement: source('client/src/index.ts') },
      { find: /^@ledger\/api$/, replacement: source('api/src/index.ts') },
      { find: /^@ledger\/db$/, replacement: source('db/src/index.ts') },
      { find: /^@ledger\/db\/testing$/, replacement: source('db/src/testing.ts') },
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
