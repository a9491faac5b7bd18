import type { BillingStore, Plan, PlanId } from '@ledger/domain';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../database.js';
import { mapDbErrors } from '../errors.js';
import { plans } from '../schema/index.js';
import { inScope } from './scope.js';

type Row = typeof plans.$inferSelect;

/** A plan row as the domain model; shared with the subscriptions' plan lookup. */
export function toPlan(row: Row): Plan {
  const { tenantId: _t, appId: _a, ...rest } = row;
  return { ...rest, id: row.id as PlanId, status: row.status as Plan['status'] };
}

/** Plans over either driver. */
export function planStore(
  db: Db,
): Pick<BillingStore, 'insertPlan' | 'getPlan' | 'listPlans' | 'updatePlan'> {
  return {
    async insertPlan(scope, plan) {
      await mapDbErrors(() => db.insert(plans).values({ ...scope, ...plan }));
    },
    async getPlan(scope, id) {
      const rows = await db
        .select()
        .from(plans)
        .where(and(inScope(plans, scope), eq(plans.id, id)));
      return rows[0] ? toPlan(rows[0]) : null;
    },
    async listPlans(scope, status) {
      const rows = await db
        .select()
        .from(plans)
        .where(and(inScope(plans, scope), status === 'all' ? undefined : eq(plans.status, status)))
        .orderBy(asc(plans.id));
      return rows.map(toPlan);
    },
    async updatePlan(scope, plan) {
      await db
        .update(plans)
        .set({
          name: plan.name,
          trialDays: plan.trialDays,
          status: plan.status,
          metadata: plan.metadata,
          updatedAt: plan.updatedAt,
        })
        .where(and(inScope(plans, scope), eq(plans.id, plan.id)));
    },
  };
}
