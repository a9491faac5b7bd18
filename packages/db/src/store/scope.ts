import type { Scope } from '@ledger/domain';
import { and, eq, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';

/** `tenant_id = … AND app_id = …` for any table with the scope columns. */
export function inScope(table: { tenantId: PgColumn; appId: PgColumn }, scope: Scope): SQL {
  return and(eq(table.tenantId, scope.tenantId), eq(table.appId, scope.appId)) as SQL;
}

/** postgres.js returns an array of rows from `execute`, PGlite an object with `rows`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? [])) as T[];
}
