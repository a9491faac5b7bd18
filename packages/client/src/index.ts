import type { AppRouter, LedgerErrorData } from '@ledger/api';
import {
  createTRPCClient,
  type HTTPHeaders,
  httpBatchLink,
  httpBatchStreamLink,
  httpLink,
  splitLink,
  TRPCClientError,
} from '@trpc/client';
import superjson from 'superjson';

export type * from './types.js';
/**
 * tRPC's error class, re-exported so `error instanceof TRPCClientError` needs no second import;
 * `ledgerErrorOf` reads Ledger's fields from it.
 */
export { TRPCClientError };

/** Where Ledger runs and which key to call it with: all `createLedgerClient` needs. */
export interface LedgerClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000` (the client adds `/trpc`). */
  url: string;
  /**
   * A Ledger API key (`ldg_sk_…`), sent as `Authorization: Bearer` on every request. It is a
   * secret: it decides the tenant and app that every call reads and writes.
   */
  apiKey: string;
  /** A custom fetch (tests, runtimes without a global `fetch`); the global one otherwise. */
  fetch?: typeof fetch;
}

/**
 * Per-call options for mutations: `{ context: { idempotencyKey } }` sends `Idempotency-Key`, so a
 * retried call (after a timeout, say) is applied once and the first result comes back.
 */
export interface LedgerCallContext {
  /**
   * 1–255 characters, unique per intended change. For 24 hours in the key's scope the same key
   * and input replay the first answer; the same key with other input is `idempotency_key_reused`;
   * a repeat while the first still runs is `idempotency_key_in_use`. Ignored on queries.
   */
  idempotencyKey?: string;
}

/** The queries that yield their answer record by record (`for await`): `customer.export`. */
const STREAMED_PROCEDURES: ReadonlySet<string> = new Set(['customer.export']);

/**
 * The typed Ledger client: `client.customer.create.mutate({...})`, `client.customer.list.query()`.
 * superjson is configured (Dates arrive as Dates); queries are batched, mutations are sent one per
 * request so each can carry its own `Idempotency-Key`. `customer.export` streams: iterate it with
 * `for await (const record of await client.customer.export.query({ id }))`.
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
        false: splitLink({
          // Procedures that answer an async iterable need the streaming link; every other
          // query stays on the plain batch link, unchanged.
          condition: (op) => STREAMED_PROCEDURES.has(op.path),
          true: httpBatchStreamLink({ ...common, headers: () => auth }),
          false: httpBatchLink({ ...common, headers: () => auth }),
        }),
      }),
    ],
  });
}

/** The client `createLedgerClient` returns, to type a variable, a parameter or a context with. */
export type LedgerClient = ReturnType<typeof createLedgerClient>;

/**
 * Ledger's error fields (`code`, `param`, `type`, `requestId`, …) from anything a call threw, or
 * null when it is not a Ledger API error (a network failure, a bug in the caller). `code` is the
 * closed `ErrorCode` union, so a `switch` on it is checked by the compiler:
 *
 * ```ts
 * try {
 *   await ledger.customer.get.query({ id });
 * } catch (error) {
 *   switch (ledgerErrorOf(error)?.code) {
 *     case 'customer_not_found': return null;
 *     case 'invalid_id': throw new BadRequest();
 *     default: throw error;
 *   }
 * }
 * ```
 */
export function ledgerErrorOf(error: unknown): LedgerErrorData | null {
  if (!(error instanceof TRPCClientError)) return null;
  const data = (error.data ?? null) as { ledger?: LedgerErrorData } | null;
  return data?.ledger ?? null;
}
