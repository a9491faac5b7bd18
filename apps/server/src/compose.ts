import { type ApiDeps, createApp } from '@ledger/api';
import { createPlatformStore, createStore, type Database, openDatabase } from '@ledger/db';
import {
  type BillingGuards,
  type Clock,
  createEventDispatcher,
  type EventDispatcher,
  noBillingGuards,
  systemClock,
  typeIdGenerator,
} from '@ledger/domain';
import type { Config } from './env.js';

/** Ports a test or an embedding program may replace. */
export interface LedgerOverrides {
  clock?: Clock;
  guards?: BillingGuards;
  logError?: (error: unknown, requestId: string) => void;
  /** An already open database (tests create one per file). */
  database?: Database;
}

/** A composed Ledger: the HTTP app, the event bus to `subscribe` on, and what it runs on. */
export interface Ledger {
  app: ReturnType<typeof createApp>;
  deps: ApiDeps;
  events: EventDispatcher;
  database: Database;
  close(): Promise<void>;
}

/**
 * The composition root: config → database (migrated) → store → services' ports → Hono app.
 * Nothing else wires implementations to ports.
 */
export async function composeLedger(
  config: Config,
  overrides: LedgerOverrides = {},
): Promise<Ledger> {
  const database =
    overrides.database ??
    (await openDatabase({ url: config.DATABASE_URL, dataDir: config.LEDGER_DATA_DIR }));
  const clock = overrides.clock ?? systemClock;
  const store = createStore(database.db);
  const events = createEventDispatcher({
    outbox: store,
    clock,
    onError: (error, event) =>
      console.error(`[ledger] event handler failed${event ? ` for ${event.id}` : ''}:`, error),
  });
  const deps: ApiDeps = {
    store,
    platform: createPlatformStore(database.db),
    clock,
    ids: typeIdGenerator,
    events,
    guards: overrides.guards ?? noBillingGuards,
  };
  const app = createApp(deps, overrides.logError ? { logError: overrides.logError } : {});
  events.start();
  return {
    app,
    deps,
    events,
    database,
    async close() {
      await events.stop();
      await database.close();
    },
  };
}
