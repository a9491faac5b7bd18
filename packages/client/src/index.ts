import type { AppRouter, LedgerErrorData } from '@ledger/api';
import type * as domain from '@ledger/domain';
import {
  createTRPCClient,
  type HTTPHeaders,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import superjson from 'superjson';

export type { AppRouter, LedgerErrorData, RouterInputs, RouterOutputs } from '@ledger/api';
export type {
  Address,
  BalanceTransaction,
  CreditResult,
  Customer,
  CustomerStatus,
  ErrorCode,
  LedgerEvent,
  Metadata,
  Money,
  Page,
  TaxExempt,
  TaxId,
} from '@ledger/domain';
// The input types share their names with zod schemas (values) in @ledger/domain: aliases keep the
// bundled .d.ts from exporting those values, which dist/index.js does not have.
export type AddCreditInput = domain.AddCreditInput;
export type AdjustBalanceInput = domain.AdjustBalanceInput;
export type CreateCustomerInput = domain.CreateCustomerInput;
export type ListBalanceTransactionsInput = domain.ListBalanceTransactionsInput;
export type ListCustomersInput = domain.ListCustomersInput;
export type UpdateCustomerInput = domain.UpdateCustomerInput;
export { TRPCClientError };

/** Where Ledger runs and which key to call it with. */
export interface LedgerClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000` (the client adds `/trpc`). */
  url: string;
  apiKey: string;
  /** A custom fetch (tests, edge runtimes). */
  fetch?: typeof fetch;
}

/**
 * Per-call options for mutations: `{ context: { idempotencyKey } }` sends `Idempotency-Key`, so a
 * retried call (after a timeout, say) is applied once and the first result comes back.
 */
export interface LedgerCallContext {
  idempotencyKey?: string;
}

/**
 * The typed Ledger client: `client.customer.create.mutate({...})`, `client.customer.list.query()`.
 * superjson is configured (Dates arrive as Dates); queries are batched, mutations are sent one per
 * request so each can carry its own `Idempotency-Key`.
 */
export function createLedgerClient(options: LedgerClientOptions) {
  const url = `${options.url.replace(/\/+$/, '')}/trpc`;
  const auth: HTTPHeaders = { Authorization: `Bearer ${options.apiKey}` };
  const common = {
    url,
    transformer: superjson,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === 'mutation',
        true: httpLink({
          ...common,
          headers: ({ op }) => {
            const key = (op.context as LedgerCallContext).idempotencyKey;
            return key ? { ...auth, 'Idempotency-Key': key } : auth;
          },
        }),
        false: httpBatchLink({ ...common, headers: () => auth }),
      }),
    ],
  });
}

/** The client `createLedgerClient` returns. */
export type LedgerClient = ReturnType<typeof createLedgerClient>;

/**
 * Ledger's error fields (`code`, `param`, `type`, `requestId`, …) from anything a call threw, or
 * null when it is not a Ledger API error. Branch on `code`, a closed list.
 */
export function ledgerErrorOf(error: unknown): LedgerErrorData | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = (error.data ?? null) as { ledger?: LedgerErrorData } | null;
  return data?.ledger ?? null;
}
