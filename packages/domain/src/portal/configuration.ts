import type { PlanId } from '../billing/model.js';

/** What a customer may change in billing details. */
export const CUSTOMER_UPDATE_FIELDS = ['name', 'email', 'address', 'tax_id'] as const;
/** One of {@link CUSTOMER_UPDATE_FIELDS}. */
export type CustomerUpdateField = (typeof CUSTOMER_UPDATE_FIELDS)[number];

/** A scope's portal: its business details and which features customers get. */
export interface PortalConfiguration {
  business: {
    name: string;
    privacyPolicyUrl: string | null;
    termsOfServiceUrl: string | null;
    supportEmail: string | null;
  };
  /** Where "back" goes when a session was created without a return URL of its own. */
  defaultReturnUrl: string | null;
  features: {
    invoiceHistory: { enabled: boolean };
    paymentMethodUpdate: { enabled: boolean };
    /** `plans` empty: every active plan in the subscription's currency. */
    subscriptionUpdate: { enabled: boolean; plans: PlanId[] };
    subscriptionCancel: { enabled: boolean; mode: 'at_period_end' | 'immediately' };
    customerUpdate: { enabled: boolean; allowedUpdates: CustomerUpdateField[] };
    dataExport: { enabled: boolean };
  };
  updatedAt: Date | null;
}

/** Every feature on, the business named after the app until the scope says otherwise. */
export function defaultPortalConfiguration(appId: string): PortalConfiguration {
  return {
    business: { name: appId, privacyPolicyUrl: null, termsOfServiceUrl: null, supportEmail: null },
    defaultReturnUrl: null,
    features: {
      invoiceHistory: { enabled: true },
      paymentMethodUpdate: { enabled: true },
      subscriptionUpdate: { enabled: true, plans: [] },
      subscriptionCancel: { enabled: true, mode: 'at_period_end' },
      customerUpdate: { enabled: true, allowedUpdates: [...CUSTOMER_UPDATE_FIELDS] },
      dataExport: { enabled: true },
    },
    updatedAt: null,
  };
}
