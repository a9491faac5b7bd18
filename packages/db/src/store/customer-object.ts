import type { Customer } from '@ledger/domain';
import { type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { customers } from '../schema/index.js';

/** A Customer in its JSON form (what an event's `data.object` holds): dates as ISO strings. */
export type CustomerObject = Omit<
  Customer,
  'createdAt' | 'updatedAt' | 'deletedAt' | 'erasedAt'
> & {
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  erasedAt: string | null;
};

/** A timestamp as `Date.prototype.toJSON` writes it (UTC, milliseconds, `Z`); NULL stays NULL. */
function iso(column: PgColumn): SQL {
  return sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * A customer row as the JSON of the domain's Customer (`toJsonObject(toCustomer(row))`), built
 * by the statement that changes the row, so an event can carry the customer after the change
 * without a read before it. Keep in step with `toCustomer` (a store test compares the two).
 */
export function customerObject(t: typeof customers): SQL {
  return sql`jsonb_build_object('id', ${t.id}, 'tenantId', ${t.tenantId}, 'appId', ${t.appId},
    'name', ${t.name}, 'email', ${t.email}, 'billingAddress', ${t.billingAddress},
    'defaultPaymentMethod', ${t.defaultPaymentMethod},
    'balance', jsonb_build_object('amount', ${t.balance}, 'currency', ${t.currency}),
    'currency', ${t.currency}, 'taxIds', ${t.taxIds}, 'taxExempt', ${t.taxExempt},
    'metadata', ${t.metadata}, 'status', ${t.status}, 'createdAt', ${iso(t.createdAt)},
    'updatedAt', ${iso(t.updatedAt)}, 'deletedAt', ${iso(t.deletedAt)},
    'erasedAt', ${iso(t.erasedAt)})`;
}

/** The Customer a {@link customerObject} describes. */
export function customerFromObject(object: CustomerObject): Customer {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    ...object,
    createdAt: new Date(object.createdAt),
    updatedAt: new Date(object.updatedAt),
    deletedAt: date(object.deletedAt),
    erasedAt: date(object.erasedAt),
  };
}
