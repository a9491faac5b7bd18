import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const domainSource = (file: string) =>
  fileURLToPath(new URL(`../domain/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run the domain's source, as the workspace's TypeScript does (the `@ledger/source`
    // export condition); @ledger/domain's package points at its built dist/ everywhere else.
    alias: [
      { find: /^@ledger\/domain$/, replacement: domainSource('index.ts') },
      { find: /^@ledger\/domain\/internal$/, replacement: domainSource('internal.ts') },
    ],
  },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
