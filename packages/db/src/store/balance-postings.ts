import type { BalancePosting, BalanceTransactionId, PostedBalance, Scope } from '@ledger/domain';
import { newId } from '@ledger/domain';
import { sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { isUnavailable } from '../errors.js';
import { balanceTransactions, customers, events } from '../schema/index.js';
import { type CustomerObject, customerFromObject, customerObject } from './customer-object.js';
import {
  deliveryStartOf,
  EVENT_COLUMNS,
  EVENT_RETURNING,
  queueDeliveriesOf,
} from './event-insert.js';
import { perHandle } from './per-handle.js';
import { executePrepared } from './prepared.js';
import { rowsOf } from './scope.js';
import { CLOCK_MICROS, idAtMicros } from './sql-ids.js';

/** The storable range of a balance, ±(2^53 − 1) minor units (the column's CHECK says the same). */
const MAX_MINOR = Number.MAX_SAFE_INTEGER;

/** Postings of one customer sent in one statement at most. */
export const MAX_POSTINGS_PER_STATEMENT = 100;

/**
 * Posts `postings` (one customer's, in one currency) in order, in one statement: all of them when
 * the customer is live, billed in that currency, and every balance on the way stays storable;
 * otherwise none (null). Each posting gets its journal row (its ending balance the running total),
 * the next event sequence, its `customer.balance.updated` event (`data.object` the customer after
 * it, `previousAttributes.balance` before it) and its webhook deliveries. Concurrent statements
 * queue on the customer's row lock, and each sees the balance the previous one left.
 */
export async function postInOneStatement(
  db: Db,
  scope: Scope,
  postings: readonly BalancePosting[],
): Promise<PostedBalance[] | null> {
  const [first] = postings;
  if (!first) return [];
  const given = JSON.stringify(
    postings.map((posting, i) => ({
      ord: i + 1,
      id: posting.id,
      event_id: posting.event.id,
      type: posting.type,
      amount: posting.amount,
      description: posting.description,
      invoice_id: posting.invoiceId,
      created_at: posting.createdAt.toISOString(),
      owed: posting.event.owedInProcess,
    })),
  );
  const result = await executePrepared(
    db,
    sql`WITH p AS (
      SELECT * FROM jsonb_to_recordset(${given}::jsonb) AS x(ord int, id text, event_id text,
        type text, amount bigint, description text, invoice_id text, created_at timestamptz,
        owed boolean)),
    r AS (SELECT p.*, (sum(p.amount) OVER (ORDER BY p.ord))::bigint AS run FROM p),
    k AS (SELECT count(*)::int AS n, sum(amount)::bigint AS total, min(run) AS lo, max(run) AS hi
      FROM r),
    c AS (
      UPDATE ${customers}
      SET balance = ${customers.balance} + k.total, event_sequence = ${customers.eventSequence} + k.n
      FROM k
      WHERE ${customers.tenantId} = ${scope.tenantId} AND ${customers.appId} = ${scope.appId}
        AND ${customers.id} = ${first.customerId} AND ${customers.status} = 'active'
        AND ${customers.currency} = ${first.currency}
        AND ${customers.balance} + k.lo BETWEEN ${-MAX_MINOR}::bigint AND ${MAX_MINOR}::bigint
        AND ${customers.balance} + k.hi BETWEEN ${-MAX_MINOR}::bigint AND ${MAX_MINOR}::bigint
      RETURNING ${customers.tenantId} AS tenant_id, ${customers.appId} AS app_id,
        ${customers.id} AS customer_id, ${customers.currency} AS currency,
        ${customers.balance} - k.total AS before, ${customers.eventSequence} - k.n AS seq0,
        ${customerObject(customers)} AS object, ${CLOCK_MICROS} AS locked_at),
    rows AS (
      SELECT c.tenant_id, c.app_id, c.customer_id, c.currency, r.ord, r.type, r.amount,
        r.description, r.invoice_id, r.created_at, r.owed, c.before + r.run AS ending,
        c.seq0 + r.ord AS sequence,
        jsonb_set(c.object, '{balance,amount}', to_jsonb(c.before + r.run)) AS object,
        ${idAtMicros(sql`r.id`, sql`c.locked_at + r.ord`)} AS journal_id,
        ${idAtMicros(sql`r.event_id`, sql`c.locked_at + r.ord`)} AS event_id
      FROM c CROSS JOIN r),
    j AS (
      INSERT INTO ${balanceTransactions} (tenant_id, app_id, id, customer_id, type, amount,
        currency, ending_balance, description, invoice_id, created_at)
      SELECT tenant_id, app_id, journal_id, customer_id, type, amount, currency, ending,
        description, invoice_id, created_at
      FROM rows),
    e AS (
      INSERT INTO ${events} ${EVENT_COLUMNS}
      SELECT tenant_id, app_id, event_id, 'customer.balance.updated', customer_id, sequence,
        jsonb_build_object('data', jsonb_build_object('object', object),
          'previousAttributes', jsonb_build_object('balance',
            jsonb_build_object('amount', ending - amount, 'currency', currency))),
        ${deliveryStartOf(sql`created_at`, sql`owed`)}
      FROM rows
      ${EVENT_RETURNING}),
    d AS (${queueDeliveriesOf(newId('webhookDelivery'), undefined)})
    SELECT ord, object, journal_id AS id FROM rows ORDER BY ord`,
  );
  const rows = rowsOf<{ ord: number; object: CustomerObject; id: BalanceTransactionId }>(result);
  if (rows.length !== postings.length) return null;
  return rows.map((row, i) => {
    const posting = postings[i] as BalancePosting;
    const customer = customerFromObject(row.object);
    return {
      customer,
      transaction: {
        id: row.id,
        customerId: posting.customerId,
        type: posting.type,
        amount: { amount: posting.amount, currency: customer.currency },
        endingBalance: customer.balance,
        description: posting.description,
        invoiceId: posting.invoiceId,
        createdAt: posting.createdAt,
      },
    };
  });
}

/** One posting waiting for the statement that carries it. */
interface Waiting {
  posting: BalancePosting;
  resolve: (posted: PostedBalance | null) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit of the postings this process sends for one customer: the first goes after one
 * turn of the event loop, with whatever postings of the same customer arrived in that turn;
 * those that arrive while its statement runs wait and go together in the next one (up to
 * {@link MAX_POSTINGS_PER_STATEMENT}), so a contended customer commits, and waits on its row
 * lock, once per batch instead of once per posting. Each caller still gets its own result: when
 * a batch is refused as a whole (one posting would leave the balance out of range, the customer
 * went away), or fails for a reason that wrote nothing, its postings are sent again one by one.
 * A batch whose outcome is unknown (the connection was lost) fails every posting in it, as a lone
 * posting's would: none is sent twice.
 */
export const postingGroups = perHandle(groupPostings);

/** How a store posts one posting. */
type Poster = (scope: Scope, posting: BalancePosting) => Promise<PostedBalance | null>;

function groupPostings(db: Db): Poster {
  const queues = new Map<string, Waiting[]>();

  const alone = async (scope: Scope, waiting: Waiting) => {
    try {
      const posted = await postInOneStatement(db, scope, [waiting.posting]);
      waiting.resolve(posted?.[0] ?? null);
    } catch (error) {
      waiting.reject(error);
    }
  };

  const drain = async (key: string, scope: Scope, queue: Waiting[]) => {
    while (queue.length > 0) {
      // One turn of the event loop before each batch: postings of requests already read join
      // it. PGlite runs a whole statement in the microtasks of the request that sent it, so
      // without this turn no other request moves meanwhile and every batch is a batch of one.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = queue.splice(0, MAX_POSTINGS_PER_STATEMENT);
      if (batch.length === 1) {
        await alone(scope, batch[0] as Waiting);
        continue;
      }
      let posted: PostedBalance[] | null;
      try {
        posted = await postInOneStatement(
          db,
          scope,
          batch.map((waiting) => waiting.posting),
        );
      } catch (error) {
        if (isUnavailable(error)) {
          for (const waiting of batch) waiting.reject(error);
          continue;
        }
        posted = null;
      }
      if (posted) {
        for (const [i, waiting] of batch.entries()) waiting.resolve(posted[i] ?? null);
      } else {
        for (const waiting of batch) await alone(scope, waiting);
      }
    }
    queues.delete(key);
  };

  return (scope, posting) =>
    new Promise((resolve, reject) => {
      const key = JSON.stringify([
        scope.tenantId,
        scope.appId,
        posting.customerId,
        posting.currency,
      ]);
      const queue = queues.get(key);
      if (queue) {
        queue.push({ posting, resolve, reject });
        return;
      }
      const fresh: Waiting[] = [{ posting, resolve, reject }];
      queues.set(key, fresh);
      void drain(key, scope, fresh);
    });
}
