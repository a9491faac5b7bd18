import {
  CREATED_EVENT_SEQUENCE,
  type Customer,
  type CustomerId,
  type CustomerStore,
  type ListCustomersFilter,
  type Scope,
} from '@ledger/domain';
import {
  and,
  count,
  desc,
  eq,
  getTableColumns,
  gte,
  ilike,
  isNotNull,
  isNull,
  lt,
  lte,
  or,
  type SQL,
  sql,
} from 'drizzle-orm';
import type { Db } from '../database.js';
import { mapDbErrors } from '../errors.js';
import { customers } from '../schema/index.js';
import { customerById } from './customer-by-id.js';
import { eventValues, INSERT_EVENT, queueDeliveriesByPlaceholder } from './event-insert.js';
import { fixedStatement, preparedOn } from './prepared.js';
import { inScope, inScopePlaceholders } from './scope.js';

type Row = typeof customers.$inferSelect;
type NewRow = typeof customers.$inferInsert;

/** A stored row as the domain's Customer. */
export function toCustomer(row: Row): Customer {
  return {
    id: row.id as CustomerId,
    tenantId: row.tenantId,
    appId: row.appId,
    name: row.name,
    email: row.email,
    billingAddress: row.billingAddress ?? null,
    defaultPaymentMethod: (row.defaultPaymentMethod as Customer['defaultPaymentMethod']) ?? null,
    balance: { amount: row.balance, currency: row.currency },
    currency: row.currency,
    taxIds: row.taxIds,
    taxExempt: row.taxExempt as Customer['taxExempt'],
    metadata: row.metadata,
    status: row.status as Customer['status'],
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    deletedAt: row.deletedAt ?? null,
    erasedAt: row.erasedAt ?? null,
  };
}

function profileColumns(customer: Customer) {
  return {
    name: customer.name,
    email: customer.email,
    billingAddress: customer.billingAddress,
    defaultPaymentMethod: customer.defaultPaymentMethod,
    currency: customer.currency,
    taxIds: customer.taxIds,
    taxExempt: customer.taxExempt,
    metadata: customer.metadata,
    status: customer.status,
    updatedAt: customer.updatedAt,
    deletedAt: customer.deletedAt,
    erasedAt: customer.erasedAt,
  };
}

/**
 * A new customer, its `customer.created` event and the event's webhook deliveries, by
 * placeholders: the customer's columns by their field names, the event's and its deliveries' as
 * `eventValues` names them.
 */
const NEW_CUSTOMER = fixedStatement((db) => {
  const p = (name: string) => sql.placeholder(name);
  const columns = Object.keys(getTableColumns(customers)) as Array<keyof NewRow>;
  const row = Object.fromEntries(columns.map((name) => [name, p(name)])) as unknown as NewRow;
  return sql`WITH c AS (${db.insert(customers).values(row).getSQL()}),
    e AS (${INSERT_EVENT})
    ${queueDeliveriesByPlaceholder()}`;
});

/** `%` and `_` typed by a caller match themselves, not everything. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function listConditions(scope: Scope, filter: ListCustomersFilter): SQL[] {
  const conditions: Array<SQL | undefined> = [inScope(customers, scope)];
  if (filter.status === 'active') conditions.push(isNull(customers.deletedAt));
  if (filter.status === 'deleted') conditions.push(isNotNull(customers.deletedAt));
  if (filter.email) conditions.push(eq(customers.email, filter.email));
  if (filter.createdGte) conditions.push(gte(customers.createdAt, filter.createdGte));
  if (filter.createdLte) conditions.push(lte(customers.createdAt, filter.createdLte));
  if (filter.q) {
    const pattern = likePattern(filter.q);
    conditions.push(or(ilike(customers.name, pattern), ilike(customers.email, pattern)));
  }
  for (const [key, value] of Object.entries(filter.metadata ?? {})) {
    conditions.push(sql`${customers.metadata} ->> ${key} = ${value}`);
  }
  return conditions.filter((c): c is SQL => c !== undefined);
}

/** A lookup by email, prepared (see `preparedOn`); one by id is grouped (`customerById`). */
function preparedReads(db: Db) {
  const byEmail = db
    .select()
    .from(customers)
    .where(
      and(
        inScopePlaceholders(customers),
        eq(customers.email, sql.placeholder('email')),
        isNull(customers.deletedAt),
      ),
    )
    .prepare('customer_by_email');
  return { byEmail };
}

/** The customer half of the store, over either driver. */
export function customerStore(db: Db): CustomerStore {
  const reads = preparedOn(db, preparedReads);
  return {
    async createCustomer(scope, customer, created, options) {
      // One statement: the customer, its event and the event's webhook deliveries, all or none.
      await mapDbErrors(() =>
        NEW_CUSTOMER(db, {
          ...scope,
          id: customer.id,
          ...profileColumns(customer),
          balance: customer.balance.amount,
          createdAt: customer.createdAt,
          eventSequence: CREATED_EVENT_SEQUENCE,
          ...eventValues(created, options.owedInProcess ?? true),
        }),
      );
    },

    async getCustomer(scope, id, options) {
      if (reads && !options?.forUpdate) {
        const row = await customerById(db)({ scope, id });
        return row ? toCustomer(row) : null;
      }
      const query = db
        .select()
        .from(customers)
        .where(and(inScope(customers, scope), eq(customers.id, id)));
      const rows = options?.forUpdate ? await query.for('update') : await query;
      return rows[0] ? toCustomer(rows[0]) : null;
    },

    async getCustomerByEmail(scope, email) {
      if (reads) {
        const rows = await reads.byEmail.execute({ ...scope, email });
        return rows[0] ? toCustomer(rows[0]) : null;
      }
      const rows = await db
        .select()
        .from(customers)
        .where(
          and(inScope(customers, scope), eq(customers.email, email), isNull(customers.deletedAt)),
        );
      return rows[0] ? toCustomer(rows[0]) : null;
    },

    async updateCustomer(scope, customer) {
      await mapDbErrors(() =>
        db
          .update(customers)
          .set(profileColumns(customer))
          .where(and(inScope(customers, scope), eq(customers.id, customer.id))),
      );
    },

    async deleteCustomer(scope, id, deletedAt) {
      await db
        .update(customers)
        .set({ status: 'deleted', deletedAt, updatedAt: deletedAt, defaultPaymentMethod: null })
        .where(and(inScope(customers, scope), eq(customers.id, id)));
    },

    async listCustomers(scope, filter) {
      const conditions = listConditions(scope, filter);
      const where = and(...conditions);
      const pageWhere = filter.startingAfter
        ? and(where, lt(customers.id, filter.startingAfter))
        : where;
      const [rows, totals] = await Promise.all([
        db
          .select()
          .from(customers)
          .where(pageWhere)
          .orderBy(desc(customers.id))
          .limit(filter.limit + 1)
          .offset(filter.offset),
        db.select({ total: count() }).from(customers).where(where),
      ]);
      return {
        rows: rows.slice(0, filter.limit).map(toCustomer),
        total: totals[0]?.total ?? 0,
        hasMore: rows.length > filter.limit,
      };
    },

    async nextEventSequence(scope, id) {
      const rows = await db
        .update(customers)
        .set({ eventSequence: sql`${customers.eventSequence} + 1` })
        .where(and(inScope(customers, scope), eq(customers.id, id)))
        .returning({ sequence: customers.eventSequence });
      return rows[0]?.sequence ?? 0;
    },
  };
}
