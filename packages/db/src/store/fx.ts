import type { FxStore } from '@ledger/domain';
import type { Db } from '../database.js';
import { fxOverrides } from '../schema/index.js';
import { inScope } from './scope.js';

/** Tenant FX overrides over either driver. */
export function fxStore(db: Db): FxStore {
  return {
    async getFxOverrides(scope) {
      const rows = await db
        .select({ overrides: fxOverrides.overrides })
        .from(fxOverrides)
        .where(inScope(fxOverrides, scope));
      return rows[0]?.overrides ?? null;
    },
    async saveFxOverrides(scope, overrides, at) {
      if (!overrides) {
        await db.delete(fxOverrides).where(inScope(fxOverrides, scope));
        return;
      }
      await db
        .insert(fxOverrides)
        .values({ ...scope, overrides, updatedAt: at })
        .onConflictDoUpdate({
          target: [fxOverrides.tenantId, fxOverrides.appId],
          set: { overrides, updatedAt: at },
        });
    },
  };
}
