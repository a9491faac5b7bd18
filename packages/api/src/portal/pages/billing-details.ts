import {
  type CustomerUpdateField,
  isLedgerError,
  type LedgerError,
  type UpdateCustomerInput,
  updateCustomer,
} from '@ledger/domain';
import type { Context, Hono } from 'hono';
import type { PortalEnv, PortalState } from '../env.js';
import {
  DETAIL_FIELDS,
  type DetailField,
  type DetailsForm,
  renderBillingDetails,
  storedValues,
} from './billing-details-view.js';
import { errorPage } from './error-page.js';

const PATH = '/billing-details';

/** The flashes an action may ask for (`?done=`): only these texts are ever shown. */
const DONE: Record<string, string> = {
  details_saved: 'Billing details saved.',
  tax_id_added: 'Tax ID added.',
  tax_id_removed: 'Tax ID removed.',
};

/** The post's fields, minus the CSRF token; null when one is not a plain text field. */
async function postedFields(c: Context<PortalEnv>): Promise<Record<string, string> | null> {
  const body = await c.req.parseBody();
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === '_csrf') continue;
    if (typeof value !== 'string') return null;
    fields[key] = value;
  }
  return fields;
}

/** True when every posted field belongs to one of the `groups` the configuration allows. */
function onlyAllowed(
  state: PortalState,
  fields: Record<string, string>,
  groups: readonly CustomerUpdateField[],
  extra: readonly string[] = [],
): boolean {
  const allowed = state.configuration.features.customerUpdate.allowedUpdates;
  const names = new Set<string>(extra);
  for (const group of groups) {
    if (allowed.includes(group)) for (const name of DETAIL_FIELDS[group]) names.add(name);
  }
  return Object.keys(fields).every((key) => names.has(key));
}

/** The domain's field path (`['billingAddress', 'postalCode']`) as the form's field. */
function fieldOf(param: ReadonlyArray<string | number> | undefined, taxIndex: number) {
  const [head, second, third] = param ?? [];
  if (head === 'name' || head === 'email') return head;
  if (head === 'billingAddress') {
    if (second === 'postalCode') return 'postal_code';
    if (second === 'line2' || second === 'city' || second === 'state' || second === 'country') {
      return second;
    }
    return 'line1';
  }
  if (head === 'taxIds' && second === taxIndex) {
    return third === 'type' ? 'tax_id_type' : 'tax_id_value';
  }
  return null;
}

const LABEL: Record<DetailField, string> = {
  name: 'Name',
  email: 'Email',
  line1: 'Address line 1',
  line2: 'Address line 2',
  city: 'City',
  state: 'State',
  postal_code: 'Postal code',
  country: 'Country',
  tax_id_type: 'Tax ID type',
  tax_id_value: 'Tax ID',
};

/** The refusal in words a customer can act on, for the field it is shown beside. */
function messageFor(error: LedgerError, field: DetailField): string {
  if (error.code === 'invalid_email') return 'Enter a valid email address, like name@example.com.';
  if (error.code === 'duplicate_customer_email')
    return 'This email cannot be used. Enter another one.';
  if (error.code === 'invalid_country') return 'Choose a country from the list.';
  if (field === 'name') return 'Enter a name of 1 to 256 characters.';
  if (field === 'line1') return 'Enter the first line of the address (needed with a country).';
  if (field === 'tax_id_type') return 'Choose a tax ID type from the list.';
  return error.messageFor(LABEL[field]);
}

/** The input errors a customer can fix, as the form's; anything else is not theirs to fix. */
function formErrors(error: unknown, taxIndex: number): DetailsForm | null {
  if (!isLedgerError(error)) return null;
  const input = error.code.startsWith('invalid_') || error.code === 'duplicate_customer_email';
  if (!input) return null;
  const field = fieldOf(error.param, taxIndex);
  if (!field) return { values: {}, errors: {}, general: error.messageFor('Tax IDs') };
  return { values: {}, errors: { [field]: messageFor(error, field) } };
}

const blankToUndefined = (value: string | undefined) => {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? undefined : trimmed;
};

/** The address of the form, `null` when every field is blank; undefined when it is unchanged. */
function addressPatch(state: PortalState, fields: Record<string, string>) {
  const values = {
    line1: blankToUndefined(fields.line1),
    line2: blankToUndefined(fields.line2),
    city: blankToUndefined(fields.city),
    state: blankToUndefined(fields.state),
    postalCode: blankToUndefined(fields.postal_code),
    country: blankToUndefined(fields.country)?.toUpperCase(),
  };
  const stored = state.customer.billingAddress;
  if (Object.values(values).every((value) => value === undefined)) {
    return stored ? null : undefined;
  }
  const same =
    stored &&
    (Object.keys(values) as Array<keyof typeof values>).every(
      (key) => (stored[key] || undefined) === values[key],
    );
  if (same) return undefined;
  const defined = Object.entries(values).filter(([, value]) => value !== undefined);
  return Object.fromEntries(defined) as UpdateCustomerInput['billingAddress'];
}

/** The billing details changed as the API's `PUT /customers/{id}` would, or the form again. */
async function save(
  c: Context<PortalEnv>,
  patch: UpdateCustomerInput,
  typed: DetailsForm['values'],
  done: keyof typeof DONE,
  taxIndex = -1,
) {
  const state = c.get('portal');
  try {
    await updateCustomer(state.services, patch);
  } catch (error) {
    const form = formErrors(error, taxIndex);
    if (!form) throw error;
    return c.html(renderBillingDetails(state, { ...form, values: typed }), 400);
  }
  return c.redirect(`/portal${PATH}?done=${done}`, 303);
}

const notAllowed = (c: Context<PortalEnv>) =>
  errorPage(
    c,
    400,
    'This change is not allowed',
    'Some of these details cannot be changed here. Go back to the billing details page and try again.',
    { href: `/portal${PATH}`, label: 'Billing details' },
  );

const notFound = (c: Context<PortalEnv>) =>
  errorPage(c, 404, 'Not found', 'There is no such page in your billing portal.');

/** The feature is off: its page and its posts are gone. */
const off = (c: Context<PortalEnv>) =>
  !c.get('portal').configuration.features.customerUpdate.enabled;

/**
 * `/portal/billing-details` (PORTAL.md item 6): name, email, billing address and tax IDs, each
 * only when the configuration's `allowed_updates` lists it, changed through the same
 * `updateCustomer` verb as the API (so `customer.updated` fires). A refused value shows the form
 * again (400) with the message beside its field and the other values as typed; nothing is written.
 */
export function billingDetailsPage(app: Hono<PortalEnv>): void {
  app.get(PATH, (c) => {
    if (off(c)) return notFound(c);
    const state = c.get('portal');
    const done = DONE[c.req.query('done') ?? ''];
    return c.html(
      renderBillingDetails(state, {
        values: storedValues(state.customer),
        errors: {},
        ...(done ? { done } : {}),
      }),
    );
  });

  app.post(PATH, async (c) => {
    if (off(c)) return notFound(c);
    const state = c.get('portal');
    const fields = await postedFields(c);
    if (!fields || !onlyAllowed(state, fields, ['name', 'email', 'address'])) return notAllowed(c);
    const patch: UpdateCustomerInput = { id: state.customer.id };
    if (fields.name !== undefined) patch.name = fields.name;
    if (fields.email !== undefined) patch.email = fields.email;
    if (DETAIL_FIELDS.address.some((name) => fields[name] !== undefined)) {
      const address = addressPatch(state, fields);
      if (address !== undefined) patch.billingAddress = address;
    }
    return save(c, patch, { ...storedValues(state.customer), ...fields }, 'details_saved');
  });

  app.post(`${PATH}/tax-ids`, async (c) => {
    if (off(c)) return notFound(c);
    const state = c.get('portal');
    const fields = await postedFields(c);
    if (!fields || !onlyAllowed(state, fields, ['tax_id'])) return notAllowed(c);
    const current = state.customer.taxIds.map(({ type, value }) => ({ type, value }));
    const added = { type: fields.tax_id_type ?? '', value: fields.tax_id_value ?? '' };
    const patch = { id: state.customer.id, taxIds: [...current, added] };
    const typed = { ...storedValues(state.customer), ...fields };
    return save(c, patch, typed, 'tax_id_added', current.length);
  });

  app.post(`${PATH}/tax-ids/remove`, async (c) => {
    if (off(c)) return notFound(c);
    const state = c.get('portal');
    const fields = await postedFields(c);
    if (!fields || !state.configuration.features.customerUpdate.allowedUpdates.includes('tax_id')) {
      return notAllowed(c);
    }
    if (!onlyAllowed(state, fields, [], ['type', 'value'])) return notAllowed(c);
    const current = state.customer.taxIds.map(({ type, value }) => ({ type, value }));
    const index = current.findIndex((t) => t.type === fields.type && t.value === fields.value);
    if (index < 0) return notFound(c);
    const patch = { id: state.customer.id, taxIds: current.filter((_, i) => i !== index) };
    return save(c, patch, storedValues(state.customer), 'tax_id_removed');
  });
}
