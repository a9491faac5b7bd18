import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type ApiDeps, createApp } from '@ledger/api';
import { createPlatformStore, createStore, type Database, databaseRateLimiter } from '@ledger/db';
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
import type { DestinationStream } from 'pino';
import { type BillingJob, billingJob } from './billing-job.js';
import type { Config } from './env.js';
import { type EventRetention, eventRetention } from './event-retention.js';
import { createLog, domainLogger, errorLogger, type ServerLog } from './logger.js';
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

/** Ports a test or an embedding program may replace. */
export interface LedgerOverrides {
  clock?: Clock;
  guards?: BillingGuards;
  taxIdVerifier?: TaxIdVerifier;
  payments?: PaymentsPort;
  tax?: TaxPort;
  fx?: FxPort;
  /** Where the log's JSON lines go (default: stderr); the level is `LEDGER_LOG_LEVEL`'s. */
  logDestination?: DestinationStream;
  /** Where the domain's warnings go (default: the log). */
  logger?: Logger;
  /** Where unexpected request errors go (default: the log, sanitised). */
  logError?: (error: unknown, requestId: string) => void;
  /** Check every REST answer against its declaration (the test suite turns this on). */
  checkResponses?: boolean;
  /** An already open database (tests create one per file). */
  database?: Database;
  /** Test ports for fault tests (see `ApiDeps.faults`). */
  faults?: ApiDeps['faults'];
}

/** A composed Ledger: the HTTP app, the event bus to `subscribe` on, and what it runs on. */
export interface Ledger {
  app: ReturnType<typeof createApp>;
  deps: ApiDeps;
  events: EventDispatcher;
  /** The billing job: ends trials, bills closed periods, applies cancellations. */
  billing: BillingJob;
  /** Deletes delivered events past `LEDGER_EVENT_RETENTION_DAYS`. */
  retention: EventRetention;
  database: Database;
  /** The server's log (pino): request lines, errors, the billing job. */
  log: ServerLog;
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
  const log = createLog(config.LEDGER_LOG_LEVEL, overrides.logDestination);
  const database = overrides.database ?? (await openConfiguredDatabase(config, 'ledger serve'));
  const clock = overrides.clock ?? systemClock;
  const store = createStore(database.db);
  const events = createEventDispatcher({
    outbox: store,
    clock,
    onError: (err, event) =>
      event
        ? log.error({ event_id: event.id, event_type: event.type, err }, 'event handler failed')
        : log.error({ err }, 'event delivery failed'),
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
    logger: overrides.logger ?? domainLogger(log),
    webhooks: stripe ? { stripe: (body, signature) => stripe.parseWebhook(body, signature) } : {},
    health: { database: () => database.ping() },
    ...(overrides.faults ? { faults: overrides.faults } : {}),
  };
  const app = createApp(deps, {
    logError: overrides.logError ?? errorLogger(log),
    logRequests: log,
    checkResponses: overrides.checkResponses ?? false,
    corsOrigins: config.LEDGER_CORS_ORIGINS,
    rateLimits: {
      reads: config.LEDGER_RATE_LIMIT_READS,
      writes: config.LEDGER_RATE_LIMIT_WRITES,
      ingest: config.LEDGER_RATE_LIMIT_INGEST,
      authFailures: config.LEDGER_RATE_LIMIT_AUTH_FAILURES,
    },
    // On PostgreSQL every process spends the same budgets; the embedded PGlite serves one
    // process, which counts in memory.
    sharedLimiter: database.kind === 'postgres' ? databaseRateLimiter(database.db) : undefined,
    connInfo: getConnInfo,
  });
  const billing = billingJob(
    config.LEDGER_BILLING_INTERVAL_MS,
    (now = clock.now(), signal) => runDue(deps, now, { signal }),
    log,
  );
  events.start();
  const retention = eventRetention(store, clock, config.LEDGER_EVENT_RETENTION_DAYS, log);
  return {
    app,
    deps,
    events,
    billing,
    retention,
    database,
    log,
    async close() {
      await billing.stop();
      retention.stop();
      await events.stop();
      await database.close();
    },
  };
}
