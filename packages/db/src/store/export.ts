import type {
  CustomerId,
  EntitlementCheck,
  ExportKind,
  ExportPage,
  ExportRows,
  ExportStore,
  Scope,
  UsageEvent,
} from '@ledger/domain';
import { and, asc, eq, gt, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../database.js';
import {
  balanceTransactions,
  entitlementChecks,
  events,
  invoices,
  paymentMethods,
  payments,
  portalSessions,
  subscriptions,
  usageEvents,
} from '../schema/index.js';
import { toTransaction } from './balance.js';
import { toInvoice, toPayment } from './invoices.js';
import { eventFromRow } from './outbox.js';
import { toMethod } from './payment-methods.js';
import { toSession } from './portal.js';
import { inScope } from './scope.js';
import { toSubscription } from './subscriptions.js';

/** A table the export reads: scoped, owned by a customer, with a key in creation order. */
interface OwnedTable {
  table: PgTable;
  tenantId: PgColumn;
  appId: PgColumn;
  customerId: PgColumn;
  /** The creation-order key: the TypeID (K-sortable) or, for events, the outbox position. */
  key: PgColumn;
}

type UsageRow = typeof usageEvents.$inferSelect;
type CheckRow = typeof entitlementChecks.$inferSelect;

function toUsageEvent(row: UsageRow): UsageEvent {
  return {
    id: row.id as UsageEvent['id'],
    customerId: row.customerId as CustomerId,
    featureKey: row.featureKey,
    quantity: row.quantity,
    timestamp: row.timestamp,
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
  };
}

function toCheck(row: CheckRow): EntitlementCheck {
  return {
    id: row.id as EntitlementCheck['id'],
    customerId: row.customerId as CustomerId,
    featureKey: row.featureKey,
    quantity: row.quantity,
    allowed: row.allowed,
    used: row.used,
    limit: row.limit,
    remaining: row.remaining,
    softLimit: row.softLimit,
    reason: row.reason,
    createdAt: row.createdAt,
  };
}

function owned(table: PgTable & Omit<OwnedTable, 'table' | 'key'>, key: PgColumn): OwnedTable {
  return { table, tenantId: table.tenantId, appId: table.appId, customerId: table.customerId, key };
}

/** Where each section lives and how a row becomes the domain model. */
const SECTIONS: { [K in ExportKind]: { of: OwnedTable; map: (row: never) => ExportRows[K] } } = {
  balance_transaction: {
    of: owned(balanceTransactions, balanceTransactions.id),
    map: toTransaction,
  },
  payment_method: { of: owned(paymentMethods, paymentMethods.id), map: toMethod },
  subscription: { of: owned(subscriptions, subscriptions.id), map: toSubscription },
  invoice: { of: owned(invoices, invoices.id), map: toInvoice },
  payment: { of: owned(payments, payments.id), map: toPayment },
  usage_event: { of: owned(usageEvents, usageEvents.id), map: toUsageEvent },
  entitlement_check: { of: owned(entitlementChecks, entitlementChecks.id), map: toCheck },
  event: { of: owned(events, events.position), map: eventFromRow },
  portal_session: { of: owned(portalSessions, portalSessions.id), map: toSession },
};

/** The cursor's value as the key column compares it (the events' position is a number). */
function keyValue(of: OwnedTable, after: string): string | number {
  return of.key === events.position ? Number(after) : after;
}

/**
 * The export's page reads: keyset pagination on the creation-order key (`key > cursor ORDER BY
 * key LIMIT n`), so every page costs the same however deep into the history it is, where an
 * OFFSET would rescan every row before it.
 */
export function exportStore(db: Db): ExportStore {
  return {
    async listExportPage<K extends ExportKind>(
      scope: Scope,
      customerId: CustomerId,
      kind: K,
      page: { after: string | null; limit: number },
    ): Promise<ExportPage<ExportRows[K]>> {
      const { of, map } = SECTIONS[kind];
      const conditions: SQL[] = [
        inScope(of, scope),
        eq(of.customerId, customerId),
        ...(page.after === null ? [] : [gt(of.key, keyValue(of, page.after))]),
      ];
      const rows = (await db
        .select()
        .from(of.table)
        .where(and(...conditions))
        .orderBy(asc(of.key))
        .limit(page.limit)) as Record<string, unknown>[];
      const last = rows.at(-1);
      const keyName = of.key === events.position ? 'position' : 'id';
      return {
        rows: rows.map((row) => (map as (row: unknown) => ExportRows[K])(row)),
        next: last && rows.length === page.limit ? String(last[keyName]) : null,
      };
    },
  };
}
