import type { ServiceContext } from '../ports.js';
import { inTransaction } from '../transaction.js';
import { parseInput } from '../validation.js';
import type { PortalConfiguration } from './configuration.js';
import { loadPortalConfiguration } from './get-portal-configuration.js';
import { SetPortalConfigurationInput } from './schemas.js';

type Patch = ReturnType<typeof SetPortalConfigurationInput.parse>;

/** Lays a patch over an object: fields given win, `undefined` keeps the stored value. */
function over<T extends object>(base: T, patch: Partial<T> | undefined): T {
  if (!patch) return base;
  const defined = Object.entries(patch).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(defined) };
}

function apply(current: PortalConfiguration, patch: Patch, now: Date): PortalConfiguration {
  const features = patch.features;
  return {
    business: over(current.business, patch.business),
    defaultReturnUrl:
      patch.defaultReturnUrl === undefined ? current.defaultReturnUrl : patch.defaultReturnUrl,
    features: {
      invoiceHistory: over(current.features.invoiceHistory, features?.invoiceHistory),
      paymentMethodUpdate: over(
        current.features.paymentMethodUpdate,
        features?.paymentMethodUpdate,
      ),
      subscriptionUpdate: over(current.features.subscriptionUpdate, features?.subscriptionUpdate),
      subscriptionCancel: over(current.features.subscriptionCancel, features?.subscriptionCancel),
      customerUpdate: over(current.features.customerUpdate, features?.customerUpdate),
      dataExport: over(current.features.dataExport, features?.dataExport),
    },
    updatedAt: now,
  };
}

/**
 * Changes the scope's portal configuration: objects merge field by field, lists are replaced.
 * A feature turned off is gone from the portal (its pages and form posts answer 404).
 */
export async function setPortalConfiguration(
  ctx: ServiceContext,
  input: SetPortalConfigurationInput,
): Promise<PortalConfiguration> {
  const patch = parseInput(SetPortalConfigurationInput, input);
  return inTransaction(ctx, async (tx) => {
    const next = apply(await loadPortalConfiguration(tx, ctx.scope), patch, ctx.clock.now());
    await tx.putPortalConfiguration(ctx.scope, next);
    return next;
  });
}
