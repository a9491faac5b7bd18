import { defineConfig } from 'tsup';

// Declarations come from the tsc output of @ledger/api and @ledger/domain (their `build`).
// The runtime imports only @trpc/client and superjson; the types of @ledger/api and
// @ledger/domain are inlined into dist/index.d.ts so the published package is self-contained.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'es2022',
  clean: true,
  sourcemap: true,
  dts: {
    resolve: [/^@ledger\//],
    compilerOptions: {
      composite: false,
      paths: {
        '@ledger/api': ['../api/dist-types/index.d.ts'],
        '@ledger/domain': ['../domain/dist/index.d.ts'],
      },
    },
  },
  external: ['@trpc/client', '@trpc/server', 'superjson', 'zod'],
});
