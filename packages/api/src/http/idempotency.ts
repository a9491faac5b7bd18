import { createHash } from 'node:crypto';
import {
  type ErrorCode,
  type IdempotencyStore,
  isLedgerError,
  keptAnswerGuard,
  LedgerError,
  type Logger,
  MAX_INPUT_DEPTH,
  type Scope,
  SEALED_ANSWER_PREFIX,
  type StepJournal,
  type Store,
  type StoredResponse,
} from '@ledger/domain';
import type { MiddlewareHandler } from 'hono';
import superjson from 'superjson';
import { toLedgerError } from '../errors/normalize.js';
import { requestText } from './body-limit.js';
import type { AppEnv } from './env.js';
import { requestHeader } from './node-request.js';

/** How long a key is remembered, and how long a running request holds it. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;
const IN_PROGRESS_LEASE_MS = 5 * 60 * 1000;
const KEPT_HEADERS = ['content-type', 'location'];

/** The response header that marks an answer as a replay of the first one. */
export const IDEMPOTENT_REPLAYED = 'Idempotent-Replayed';

/**
 * Hex SHA-256 of `text`, with node's synchronous hash: WebCrypto's `digest` went through the
 * thread pool and back, about 170 µs of each keyed request.
 */
function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Nesting `canonical` will not recurse into (the verb refuses such a body anyway). */
class TooDeep extends Error {}

/** JSON with object keys sorted, so the same parameters always give the same text. */
function canonical(value: unknown, depth = 0): string {
  if (value && typeof value === 'object' && depth >= MAX_INPUT_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) return `[${value.map((item) => canonical(item, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What identifies a request's parameters: a JSON body compares by its parameters (key order and
 * whitespace do not matter, as with Stripe), anything else, or a body nested too deep to sort
 * safely, by its exact text.
 */
export function parametersOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  try {
    return canonical(parsed);
  } catch (error) {
    if (error instanceof TooDeep || error instanceof RangeError) return body;
    throw error;
  }
}

/**
 * The same for parameters that arrive parsed (a tRPC call's input in its JSON form): compared
 * by value; nested too deep to sort, by their plain JSON text. The caller bounds the depth first
 * (tRPC checks the input's shape), so neither walk can exhaust the stack.
 */
export function parametersOfValue(json: unknown): string {
  try {
    return canonical(json);
  } catch (error) {
    if (error instanceof TooDeep) return JSON.stringify(json);
    throw error;
  }
}

/**
 * Refusals that mean "not now" rather than "no": the same request may succeed once the other
 * request (or the charge in flight) is done, so they are not remembered under the key.
 */
const NOT_NOW: ReadonlySet<ErrorCode> = new Set([
  'idempotency_key_in_use',
  'invoice_payment_in_progress',
  'rate_limited',
]);

/**
 * Stripe's rule: a request that failed validation, or failed on our side, is not remembered;
 * nor is one refused for now only (see `NOT_NOW`).
 */
function isRemembered(status: number, code: ErrorCode | undefined): boolean {
  if (code !== undefined && NOT_NOW.has(code)) return false;
  return status !== 400 && status !== 413 && status < 500;
}

/** What a request answered, as it is kept, and the error code of a refusal. */
export interface RecordedAnswer {
  response: StoredResponse;
  code?: ErrorCode | undefined;
}

/** One request that carries `Idempotency-Key`, as either door describes it. */
export interface IdempotentRequest {
  scope: Scope;
  /** The `Idempotency-Key` header as sent. */
  key: string;
  /**
   * What the request is and its parameters, e.g. `POST /ledger/customers\n{…}` (see
   * `parametersOf`); only its hash is stored. Called once the key is known to be valid.
   */
  fingerprint: () => Promise<string> | string;
}

/** How an idempotent request ended: the first answer replayed, or the request really ran. */
export type IdempotentOutcome<T> = { replayed: StoredResponse } | { ran: T };

/** What `runIdempotently` works with: the records, the clock, and the test port. */
export interface IdempotencyPorts {
  store: IdempotencyStore;
  now: () => Date;
  /** Test port (see `StepJournal.afterCommit`). */
  afterCommit?: (() => Promise<void> | void) | undefined;
  /** Where a record that could not be finished at once is reported. */
  logger: Logger;
  /**
   * Seals the answers kept for replay: an answer may hold what a database dump must not show
   * (a webhook endpoint's new signing secret, a customer's details).
   */
  seal: ResponseSeal;
}

/** Encrypts kept answers (the server's secret box, keyed by `LEDGER_SECRET_KEY`). */
export interface ResponseSeal {
  seal(text: string): string;
  open(sealed: string): string;
}

const SEALED = SEALED_ANSWER_PREFIX;

function sealed(seal: ResponseSeal, response: StoredResponse): StoredResponse {
  return { ...response, body: `${SEALED}${seal.seal(response.body)}` };
}

function unsealed(seal: ResponseSeal, response: StoredResponse): StoredResponse {
  if (!response.body.startsWith(SEALED)) return response;
  return { ...response, body: seal.open(response.body.slice(SEALED.length)) };
}

/**
 * When a record write that failed (the database was unreachable) is tried again, in ms: soon,
 * then every 2 s for as long as the lease holds the key (after that a retry resumes anyway).
 */
const FINISH_RETRIES_MS = [100, 250, 500, 1_000, ...Array<number>(150).fill(2_000)];

/**
 * Writes the record's ending now, or, when the database refuses, again in the background: the
 * caller's answer does not wait for it. Until it lands the key answers `idempotency_key_in_use`,
 * and when it never lands the lease ends and a retry resumes from the committed steps.
 */
function finish(ports: IdempotencyPorts, key: string, write: () => Promise<void>): Promise<void> {
  const retry = (left: readonly number[], error: unknown): void => {
    const [wait, ...rest] = left;
    if (wait === undefined) {
      ports.logger.error('An idempotency record could not be finished', { key, error });
      return;
    }
    setTimeout(() => {
      write().catch((again: unknown) => retry(rest, again));
    }, wait).unref();
  };
  return write().catch((error: unknown) => retry(FINISH_RETRIES_MS, error));
}

/** Tries of a reservation whose statement lost its answer (the connection dropped). */
const RESERVE_ATTEMPTS = 3;

/**
 * Reserves the key for this attempt (`owner`). A reservation whose answer was lost may still
 * have been made: reserving again as the same owner takes it back; when the database stays
 * away, it is freed in the background so the caller's retry is not locked out for the lease.
 */
async function reserve(
  ports: IdempotencyPorts,
  scope: Scope,
  request: { key: string; requestHash: string; owner: string },
): ReturnType<IdempotencyStore['reserveIdempotencyKey']> {
  for (let attempt = 1; ; attempt++) {
    const at = ports.now();
    try {
      return await ports.store.reserveIdempotencyKey(scope, {
        ...request,
        now: at,
        expiredBefore: new Date(at.getTime() - IDEMPOTENCY_WINDOW_MS),
        lockedUntil: new Date(at.getTime() + IN_PROGRESS_LEASE_MS),
      });
    } catch (error) {
      if (!isLedgerError(error, 'database_unavailable')) throw error;
      if (attempt >= RESERVE_ATTEMPTS) {
        void finish(ports, request.key, () =>
          ports.store.releaseIdempotencyKey(scope, request.key, request.owner),
        );
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * The one idempotency rule, shared by REST's middleware and tRPC's: per scope, for 24 hours, the
 * same key and parameters replay the first answer (the caller renders `replayed`); another
 * request under the key is `idempotency_key_reused`; a repeat while the first still runs is
 * `idempotency_key_in_use`. Otherwise `run` runs on a journaled store: every transaction it
 * commits records its result under the key in that same transaction. When the request then
 * fails before its answer is recorded (an error, a dropped connection, a killed process), a retry
 * with the same parameters runs the request again on the journal, so committed transactions
 * return what they returned the first time instead of running twice: the change happens once.
 * `record` says what the request answered: kept when Stripe's rule remembers its status;
 * released when not, or when `run` throws: forgotten if nothing committed, else kept for the
 * retry to resume (see `IdempotencyStore.releaseIdempotencyKey`). Records live in the database, so this holds
 * across server processes.
 */
export async function runIdempotently<T>(
  ports: IdempotencyPorts,
  request: IdempotentRequest,
  run: (store: Store) => Promise<T>,
  record: (outcome: T) => Promise<RecordedAnswer> | RecordedAnswer,
): Promise<IdempotentOutcome<T>> {
  const { store } = ports;
  const { scope, key } = request;
  if (key.length < 1 || key.length > 255) {
    throw new LedgerError('invalid_input', 'Idempotency-Key must be 1 to 255 characters', {
      param: ['Idempotency-Key'],
    });
  }
  const requestHash = sha256(await request.fingerprint());
  const owner = crypto.randomUUID();
  const reservation = await reserve(ports, scope, { key, requestHash, owner });
  if (!reservation.reserved) {
    const { record: existing } = reservation;
    if (existing.requestHash !== requestHash) {
      throw new LedgerError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request',
        { param: ['Idempotency-Key'] },
      );
    }
    if (!existing.response) {
      throw new LedgerError(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is still running',
        { param: ['Idempotency-Key'] },
      );
    }
    return { replayed: unsealed(ports.seal, existing.response) };
  }
  const journal: StepJournal = {
    recorded: reservation.steps,
    encode: (result) => superjson.stringify(result),
    decode: (text) => superjson.parse(text),
    ...(ports.afterCommit ? { afterCommit: ports.afterCommit } : {}),
  };
  const forget = () => finish(ports, key, () => store.releaseIdempotencyKey(scope, key, owner));
  let outcome: T;
  let answer: RecordedAnswer;
  try {
    outcome = await run(store.journaledStore(scope, key, journal));
    answer = await record(outcome);
  } catch (error) {
    await forget();
    throw error;
  }
  const { response } = answer;
  if (isRemembered(response.status, answer.code)) {
    const kept = sealed(ports.seal, response);
    const guard = keptAnswerGuard(response.body, ports.seal);
    await finish(ports, key, () => store.completeIdempotencyKey(scope, key, kept, guard));
  } else {
    await forget();
  }
  return { ran: outcome };
}

/**
 * `Idempotency-Key` for REST's POST, PUT and DELETE (see `runIdempotently`): the first response
 * is stored with its status, `Content-Type` and `Location`, and replayed byte for byte with
 * `Idempotent-Replayed: true`.
 */
export function idempotency(ports: IdempotencyPorts): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = requestHeader(c, 'Idempotency-Key');
    if (key === undefined || !['POST', 'PUT', 'DELETE'].includes(c.req.method)) return next();
    const outcome = await runIdempotently(
      ports,
      {
        scope: c.get('scope'),
        key,
        fingerprint: async () => {
          const url = new URL(c.req.url);
          return `${c.req.method} ${url.pathname}${url.search}\n${parametersOf(await requestText(c))}`;
        },
      },
      async (store) => {
        c.set('store', store);
        await next();
        return c.res;
      },
      async (response) => {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const value = response.headers.get(name);
          if (value !== null) headers[name] = value;
        }
        return {
          response: { status: response.status, headers, body: await response.clone().text() },
          // Hono keeps what a handler threw, after `onError` rendered it.
          code: c.error ? toLedgerError(c.error).code : undefined,
        };
      },
    );
    if ('replayed' in outcome) {
      const { status, headers, body } = outcome.replayed;
      return new Response(status === 204 ? null : body, {
        status,
        headers: { ...headers, [IDEMPOTENT_REPLAYED]: 'true' },
      });
    }
  };
}
