import type { EntitlementCheck, Scope } from '@ledger/domain';
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../database.js';
import { entitlementChecks } from '../schema/index.js';
import { fixedStatement } from './prepared.js';

/** Checks recorded in one statement at most. */
export const MAX_CHECKS_PER_STATEMENT = 500;

/** One check to record, in its scope. */
export interface Recorded {
  scope: Scope;
  check: EntitlementCheck;
}

/**
 * The INSERT of a batch of checks, its rows the JSON placeholder `rows` ({@link checkRows}): on
 * its own, or in a statement that also reads (the plans of the next checks).
 */
export const insertChecksSql = (): SQL => sql`
    INSERT INTO ${entitlementChecks} (tenant_id, app_id, id, customer_id, feature_key, quantity,
      allowed, used, "limit", remaining, soft_limit, reason, created_at)
    SELECT * FROM jsonb_to_recordset(${sql.placeholder('rows')}::jsonb) AS r(tenant_id text,
      app_id text, id text, customer_id text, feature_key text, quantity bigint, allowed boolean,
      used bigint, "limit" bigint, remaining bigint, soft_limit boolean, reason text,
      created_at timestamptz)`;

/** {@link insertChecksSql} as a statement of its own; built once. */
const INSERT_CHECKS = fixedStatement(insertChecksSql);

/** The `rows` parameter of {@link insertChecksSql}: `checks` (of any scopes) as a JSON array. */
export function checkRows(checks: readonly Recorded[]): string {
  return JSON.stringify(
    checks.map(({ scope, check }) => ({
      tenant_id: scope.tenantId,
      app_id: scope.appId,
      id: check.id,
      customer_id: check.customerId,
      feature_key: check.featureKey,
      quantity: check.quantity,
      allowed: check.allowed,
      used: check.used,
      limit: check.limit,
      remaining: check.remaining,
      soft_limit: check.softLimit,
      reason: check.reason ?? null,
      created_at: check.createdAt.toISOString(),
    })),
  );
}

/** Records `checks` (of any scopes) in one INSERT: all of them or, if it fails, none. */
export async function insertChecks(db: Db, checks: readonly Recorded[]): Promise<void> {
  await INSERT_CHECKS(db, { rows: checkRows(checks) });
}

/**
 * Statements recording checks that may run at once on PostgreSQL. Each waits for its commit's WAL
 * flush; with one at a time, a few concurrent checks queued behind every flush (8 connections:
 * 1,800 checks/s, p99 13 ms), while PostgreSQL flushes concurrent commits together. PGlite runs
 * one statement at a time whatever is sent, so there one batch gathers all that waits.
 */
export const MAX_CHECK_STATEMENTS_IN_FLIGHT = 4;
