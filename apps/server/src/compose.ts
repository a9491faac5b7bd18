import { readFileSync } from 'node:fs';
import { type ApiDeps, createApp } from '@ledger/api';
import { createPlatformStore, createStore, type Database } from '@ledger/db';
import {
  type BillingGuards,
  billingGuards,
  builtInTax,
  type Clock,
  createEventDispatcher,
  createTestProcessor,
  type EventDispatcher,
  type FxPort,
  type Logger,
  offlineTaxIdVerifier,
  type PaymentsPort,
  referenceFx,
  runDue,
  systemClock,
  type TaxIdVerifier,
  type TaxPort,
  type TaxRateOverrides,
  TaxRateOverridesSchema,
  typeIdGenerator,
} from '@ledger/domain';
import { type BillingJob, billingJob } from './billing-job.js';
import type { Config } from './env.js';
import { createStripeProcessor } from './processors/stripe.js';
import { openConfiguredDatabase } from './start-checks.js';

/**
 * A deployment's tax rate overrides (`LEDGER_TAX_RATES_FILE`, JSON in the shape of the shipped
 * table), validated at start so a bad file stops the server with the reason.
 */
function loadTaxOverrides(file: string | undefined): TaxRateOverrides | undefined {
  if (!file) return undefined;
  const parsed = TaxRateOverridesSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success)
    throw new Error(`LEDGER_TAX_RATES_FILE ${file} is invalid: ${parsed.error.message}`);
  return parsed.data;
}

/**
 * The server's logger: what the domain tolerated or skipped (a detach the processor refused, a
 * collection that failed after its commit, a subscription the billing job skipped) goes to stderr
 * with its fields, where the operator reads the rest of the server's output.
 */
const consoleLogger: Logger = {
  warn: (message, fields) => console.warn(`[ledger] ${message}`, ...(fields ? [fields] : [])),
  error: (message, fields) => console.error(`[ledger] ${message}`, ...(fields ? [fields] : [])),
};

/** Ports a test or an embedding program may replace. */
export interface LedgerOverrides {
  clock?: Clock;
  guards?: BillingGuards;
  taxIdVerifier?: TaxIdVerifier;
  payments?: PaymentsPort;
  tax?: TaxPort;
  fx?: FxPort;
  /** Where the domain's warnings go (default: stderr). */
  logger?: Logger;
  logError?: (error: unknown, requestId: string) => void;
  /** Check every REST answer against its declaration (the test suite turns this on). */
  checkResponses?: boolean;
  /** An already open database (tests create one per file). */
  database?: Database;
}

/** A composed Ledger: the HTTP app, the event bus to `subscribe` on, and what it runs on. */
export interface Ledger {
  app: ReturnType<typeof createApp>;
  deps: ApiDeps;
  events: EventDispatcher;
  /** The billing job: ends trials, bills closed periods, applies cancellations. */
  billing: BillingJob;
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
  const database = overrides.database ?? (await openConfiguredDatabase(config, 'ledger serve'));
  const clock = overrides.clock ?? systemClock;
  const store = createStore(database.db);
  const events = createEventDispatcher({
    outbox: store,
    clock,
    onError: (error, event) =>
      console.error(`[ledger] event handler failed${event ? ` for ${event.id}` : ''}:`, error),
  });
  const stripe = config.STRIPE_SECRET_KEY
    ? createStripeProcessor({
        secretKey: config.STRIPE_SECRET_KEY,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET,
        apiBase: config.STRIPE_API_BASE,
        timeoutMs: config.STRIPE_TIMEOUT_MS,
      })
    : null;
  const deps: ApiDeps = {
    store,
    platform: createPlatformStore(database.db),
    clock,
    ids: typeIdGenerator,
    events,
    guards: overrides.guards ?? billingGuards,
    payments: overrides.payments ?? stripe ?? createTestProcessor(),
    tax:
      overrides.tax ??
      builtInTax(config.LEDGER_TAX_ORIGIN, loadTaxOverrides(config.LEDGER_TAX_RATES_FILE)),
    fx: overrides.fx ?? referenceFx,
    taxIdVerifier: overrides.taxIdVerifier ?? offlineTaxIdVerifier,
    logger: overrides.logger ?? consoleLogger,
    webhooks: stripe ? { stripe: (body, signature) => stripe.parseWebhook(body, signature) } : {},
    health: { database: () => database.ping() },
  };
  const app = createApp(deps, {
    ...(overrides.logError ? { logError: overrides.logError } : {}),
    checkResponses: overrides.checkResponses ?? false,
    corsOrigins: config.LEDGER_CORS_ORIGINS,
  });
  const billing = billingJob(config.LEDGER_BILLING_INTERVAL_MS, (now = clock.now(), signal) =>
    runDue(deps, now, { signal }),
  );
  events.start();
  return {
    app,
    deps,
    events,
    billing,
    database,
    async close() {
      await billing.stop();
      await events.stop();
      await database.close();
    },
  };
}
