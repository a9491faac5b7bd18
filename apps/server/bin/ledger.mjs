#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `ledger` works straight from the workspace. In this
// process (not a child), so SIGTERM and Ctrl-C reach the server and it closes gracefully.
import { register as registerHooks } from 'node:module';
import { register } from 'tsx/esm/api';

register();
// The workspace's packages run from their source, as under `pnpm start` (`--conditions`): their
// `@ledger/source` export condition names it; without it they resolve to their built dist/.
registerHooks(
  'data:text/javascript,export const resolve = (specifier, context, next) => next(specifier, ' +
    '{ ...context, conditions: [...context.conditions, "@ledger/source"] });',
);
await import('../src/cli.ts');
