#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `ledger` works straight from the workspace. In this
// process (not a child), so SIGTERM and Ctrl-C reach the server and it closes gracefully.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
