import type { ServiceContext, StoreTx } from '../ports.js';
import type { Scope } from '../scope.js';
import { defaultPortalConfiguration, type PortalConfiguration } from './configuration.js';

/** The scope's portal configuration, or the defaults (every feature on) when it set none. */
export async function loadPortalConfiguration(
  tx: Pick<StoreTx, 'getPortalConfiguration'>,
  scope: Scope,
): Promise<PortalConfiguration> {
  return (await tx.getPortalConfiguration(scope)) ?? defaultPortalConfiguration(scope.appId);
}

/** The scope's portal configuration (`GET /ledger/portal/configuration`). */
export async function getPortalConfiguration(ctx: ServiceContext): Promise<PortalConfiguration> {
  return loadPortalConfiguration(ctx.store, ctx.scope);
}
