import { type BusinessDetails, loadPortalConfiguration, type ServiceContext } from '@ledger/domain';

/**
 * Who issues a scope's invoices, as its PDFs print it: the portal configuration's business name
 * and support email (the app's id until the scope names its business).
 */
export async function businessOf(ctx: ServiceContext): Promise<BusinessDetails> {
  const { business } = await loadPortalConfiguration(ctx.store, ctx.scope);
  return business.supportEmail
    ? { name: business.name, supportEmail: business.supportEmail }
    : { name: business.name };
}
