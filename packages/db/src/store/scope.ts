import type { Scope } from '@ledger/domain';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** `tenant_id = … AND app_id = …` for any table with the scope columns. */
export function inScope(table: { tenantId: PgColumn; appId: PgColumn }, scope: Scope): SQL {
  return and(eq(table.tenantId, scope.tenantId), eq(table.appId, scope.appId)) as SQL;
}

/**
 * `tenant_id = $tenantId AND app_id = $appId` with placeholders, for a statement prepared once and
 * executed with `{ ...scope }`: the scope is a parameter like any other, never part of the text.
 */
export function inScopePlaceholders(table: { tenantId: PgColumn; appId: PgColumn }): SQL {
  return and(
    eq(table.tenantId, sql.placeholder('tenantId')),
    eq(table.appId, sql.placeholder('appId')),
  ) as SQL;
}

/** postgres.js returns an array of rows from `execute`, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as T[];
}
