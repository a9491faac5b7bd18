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
  ProcessorEvent,
  Scope,
  ServiceContext,
  Store,
  TaxIdVerifier,
  TaxPort,
} from '@ledger/domain';

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
  /** Processor webhooks: verify a delivery and reduce it to an event (null: not one we act on). */
  webhooks: { stripe?: (rawBody: string, signature: string) => ProcessorEvent | null };
  /** Readiness probes: `database` resolves when the database answers a round trip. */
  health: { database: () => Promise<void> };
}

/** The service context for one authenticated call: the ports plus the key's scope. */
export function serviceContext(deps: ApiDeps, scope: Scope): ServiceContext {
  const { platform: _keysAndIdempotency, webhooks: _webhooks, health: _health, ...ports } = deps;
  return { ...ports, scope };
}
