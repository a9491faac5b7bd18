import type {
  ApiKeyStore,
  BillingGuards,
  Clock,
  EventNotifier,
  FxPort,
  IdempotencyStore,
  IdGenerator,
  Logger,
  PaymentsPort,
  PortalLinks,
  ProcessorEvent,
  Scope,
  ServiceContext,
  Store,
  TaxIdVerifier,
  TaxPort,
  WebhookSecrets,
  WebhookUrlPolicy,
} from '@ledger/domain';
import type { IdempotencyPorts } from './http/idempotency.js';

/** What the composition root hands the api: the domain's ports plus the platform stores. */
export interface ApiDeps {
  store: Store;
  platform: ApiKeyStore & IdempotencyStore;
  clock: Clock;
  ids: IdGenerator;
  events: EventNotifier;
  guards: BillingGuards;
  payments: PaymentsPort;
  tax: TaxPort;
  fx: FxPort;
  taxIdVerifier: TaxIdVerifier;
  /** Where the domain's warnings and skipped failures are written. */
  logger: Logger;
  /**
   * Seals outbound webhook endpoints' signing secrets (see `WebhookSecrets`), and the answers
   * idempotency keeps for replay.
   */
  webhookSecrets: WebhookSecrets;
  /** Where outbound webhooks may go (see `WebhookUrlPolicy`). */
  webhookUrls: WebhookUrlPolicy;
  /** Where portal links point (`LEDGER_PUBLIC_URL`). */
  portalLinks: PortalLinks;
  /** Processor webhooks: verify a delivery and reduce it to an event (null: not one we act on). */
  webhooks: { stripe?: (rawBody: string, signature: string) => ProcessorEvent | null };
  /** Readiness probes: `database` resolves when the database answers a round trip. */
  health: { database: () => Promise<void> };
  /**
   * Test ports for fault tests: `afterCommit` runs after each transaction of a keyed request
   * commits and before the request goes on (see `StepJournal.afterCommit`). Unset in production.
   */
  faults?: { afterCommit?: () => Promise<void> | void };
}

/** The ports idempotency runs on, from the app's dependencies. */
export function idempotencyPorts(deps: ApiDeps): IdempotencyPorts {
  return {
    store: deps.platform,
    now: () => deps.clock.now(),
    afterCommit: deps.faults?.afterCommit,
    logger: deps.logger,
    seal: deps.webhookSecrets,
  };
}

/**
 * The service context for one authenticated call: the ports plus the key's scope, on `store`
 * when the call has its own (a keyed request's journaled store).
 */
export function serviceContext(deps: ApiDeps, scope: Scope, store?: Store): ServiceContext {
  return { ...portsOf(deps), store: store ?? deps.store, scope };
}

/** The services' ports of each `deps`, picked once: a rest pattern per call was ~2% of a GET. */
const servicePorts = new WeakMap<ApiDeps, Omit<ServiceContext, 'scope'>>();

function portsOf(deps: ApiDeps): Omit<ServiceContext, 'scope'> {
  let ports = servicePorts.get(deps);
  if (!ports) {
    const {
      platform: _keysAndIdempotency,
      webhooks: _webhooks,
      health: _health,
      faults: _faults,
      ...rest
    } = deps;
    ports = rest;
    servicePorts.set(deps, ports);
  }
  return ports;
}
