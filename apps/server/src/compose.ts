import { readFileSync } from 'node:fs';
import { getConnInfo } from '@hono/node-server/conninfo';
import { type ApiDeps, createApp } from '@ledger/api';
import {
  API_KEY_CHANNEL,
  createPlatformStore,
  createStore,
  type Database,
  databaseRateLimiter,
  type EmbeddedBoot,
} from '@ledger/db';
import {
  type BillingGuards,
  billingGuards,
  builtInTax,
  type Clock,
  createEventDispatcher,
  createTestProcessor,
  type EventDispatcher,
  type EventType,
  type FxPort,
  type Logger,
  offlineTaxIdVerifier,
  type PaymentsPort,
  portalLinksAt,
  referenceFx,
  runDue,
  type Store,
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
import { STRIPE_JS_SOURCES } from './processors/stripe-js.js';
import { openConfiguredDatabase } from './start-checks.js';
import { webhookSecretKey, webhookSecrets } from './webhooks/secrets.js';
import { createWebhookSender } from './webhooks/send.js';
import { webhookUrlPolicy } from './webhooks/url-policy.js';
import { createWebhookWorker, type WebhookWorker } from './webhooks/worker.js';

/** The version webhooks name in `user-agent: Ledger-Webhooks/<version>`. */
const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

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
  /** The embedded database `ledger serve` started booting before this module loaded. */
  embedded?: EmbeddedBoot;
  /** Test ports for fault tests (see `ApiDeps.faults`). */
  faults?: ApiDeps['faults'];
  /**
   * A test port around the store every request uses: tests count or observe the store's calls
   * (the export test counts the pages read after a client went away). It must delegate.
   */
  wrapStore?: (store: Store) => Store;
}

/** A composed Ledger: the HTTP app, the event bus to `subscribe` on, and what it runs on. */
export interface Ledger {
  app: ReturnType<typeof createApp>;
  deps: ApiDeps;
  events: EventDispatcher;
  /** Outbound webhooks: sends what endpoints subscribe to, signed, with retries. */
  webhooks: WebhookWorker;
  /** The billing job: ends trials, bills closed periods, applies cancellations. */
  billing: BillingJob;
  /** Deletes delivered events past `LEDGER_EVENT_RETENTION_DAYS`. */
  retention: EventRetention;
  database: Database;
  /**
   * Tells Ledger where it listens, for the links it hands out (portal sessions) when
   * `LEDGER_PUBLIC_URL` is unset.
   */
  listeningAt(url: string): void;
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
  // Before the database opens: a missing LEDGER_SECRET_KEY stops the start with nothing opened.
  const secrets = webhookSecrets(webhookSecretKey(config));
  const database =
    overrides.database ??
    (await openConfiguredDatabase(config, 'ledger serve', { embedded: overrides.embedded }));
  const clock = overrides.clock ?? systemClock;
  const store = (overrides.wrapStore ?? ((real: Store) => real))(createStore(database.db));
  const events = createEventDispatcher({
    outbox: store,
    clock,
    onError: (err, event) =>
      event
        ? log.error({ event_id: event.id, event_type: event.type, err }, 'event handler failed')
        : log.error({ err }, 'event delivery failed'),
  });
  // Links point at LEDGER_PUBLIC_URL, or where this server listens once it does.
  let publicUrl = config.LEDGER_PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  // Both deliverers start on a commit: in-process handlers and outbound webhooks.
  const notifier = {
    notify() {
      events.notify();
      webhooks.notify();
    },
    handles: (type: EventType) => events.handles(type),
  };
  const sender = createWebhookSender({ allowPrivate: config.LEDGER_WEBHOOK_ALLOW_PRIVATE });
  const webhooks = createWebhookWorker({
    ports: { store, clock, ids: typeIdGenerator, events: notifier },
    secrets,
    sender,
    timeoutMs: config.LEDGER_WEBHOOK_TIMEOUT_MS,
    concurrency: config.LEDGER_WEBHOOK_CONCURRENCY,
    version: VERSION,
    onError: (err) => log.error({ err }, 'webhook delivery failed'),
  });
  // The Stripe SDK loads only when it is configured (~90 ms of every start otherwise).
  const stripe = config.STRIPE_SECRET_KEY
    ? (await import('./processors/stripe.js')).createStripeProcessor({
        secretKey: config.STRIPE_SECRET_KEY,
        webhookSecret: config.STRIPE_WEBHOOK_SECRET,
        apiBase: config.STRIPE_API_BASE,
        timeoutMs: config.STRIPE_TIMEOUT_MS,
      })
    : null;
  // Every key change the database announces (a revocation by any process, or by hand in SQL)
  // reaches this process's key cache; see docs/rest.md (Authentication) for the bound.
  const platform = await createPlatformStore(database.db, (onChange, onListen) =>
    database.listen(API_KEY_CHANNEL, onChange, onListen),
  );
  const deps: ApiDeps = {
    store,
    platform,
    clock,
    ids: typeIdGenerator,
    events: notifier,
    guards: overrides.guards ?? billingGuards,
    payments: overrides.payments ?? stripe ?? createTestProcessor(),
    tax:
      overrides.tax ??
      builtInTax(config.LEDGER_TAX_ORIGIN, loadTaxOverrides(config.LEDGER_TAX_RATES_FILE)),
    fx: overrides.fx ?? referenceFx,
    taxIdVerifier: overrides.taxIdVerifier ?? offlineTaxIdVerifier,
    logger: overrides.logger ?? domainLogger(log),
    webhookSecrets: secrets,
    webhookUrls: webhookUrlPolicy(config.LEDGER_WEBHOOK_ALLOW_PRIVATE),
    portalLinks: portalLinksAt(() => publicUrl),
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
    portal: {
      secureCookies: config.LEDGER_PUBLIC_URL?.startsWith('https:') ?? false,
      publicOrigin: config.LEDGER_PUBLIC_URL ? new URL(config.LEDGER_PUBLIC_URL).origin : null,
      // With Stripe, cards are collected by Stripe.js: its script, frames and API are allowed.
      ...(config.STRIPE_SECRET_KEY
        ? {
            sources: STRIPE_JS_SOURCES,
            stripePublishableKey: config.STRIPE_PUBLISHABLE_KEY ?? null,
          }
        : {}),
    },
  });
  const billing = billingJob(
    config.LEDGER_BILLING_INTERVAL_MS,
    (now = clock.now(), signal) => runDue(deps, now, { signal }),
    log,
  );
  events.start();
  webhooks.start();
  const retention = eventRetention(store, clock, config.LEDGER_EVENT_RETENTION_DAYS, log);
  return {
    app,
    deps,
    events,
    webhooks,
    billing,
    retention,
    database,
    log,
    listeningAt(url) {
      if (!config.LEDGER_PUBLIC_URL) publicUrl = url;
    },
    async close() {
      await billing.stop();
      retention.stop();
      // A hung receiver must not hold the shutdown past its timeout: those attempts are re-sent.
      await Promise.all([events.stop(), webhooks.stop(config.LEDGER_SHUTDOWN_TIMEOUT_MS)]);
      sender.close();
      await database.close();
    },
  };
}
