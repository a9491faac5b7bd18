import {
  type Customer,
  type CustomerUpdateField,
  TAX_ID_TYPES,
  type TaxIdType,
} from '@ledger/domain';
import { html } from 'hono/html';
import { countryOptions } from '../countries.js';
import type { PortalState } from '../env.js';
import { csrfField, notice, page } from '../layout.js';

/** The fields of the billing details forms, named as they are posted. */
export const DETAIL_FIELDS = {
  name: ['name'],
  email: ['email'],
  address: ['line1', 'line2', 'city', 'state', 'postal_code', 'country'],
  tax_id: ['tax_id_type', 'tax_id_value'],
} as const satisfies Record<CustomerUpdateField, readonly string[]>;

/** One posted field of the billing details forms. */
export type DetailField = (typeof DETAIL_FIELDS)[CustomerUpdateField][number];

/** What the forms show: the values (as stored, or as typed when re-shown) and their errors. */
export interface DetailsForm {
  values: Partial<Record<DetailField, string>>;
  errors: Partial<Record<DetailField, string>>;
  /** A failure that belongs to no one field. */
  general?: string;
  /** The flash of the action just done. */
  done?: string;
}

/** How each tax id scheme is named to a customer. */
export const TAX_ID_LABELS: Record<TaxIdType, string> = {
  eu_vat: 'EU VAT number',
  gb_vat: 'UK VAT number',
  us_ein: 'US EIN',
  au_abn: 'Australian ABN',
  in_gst: 'Indian GSTIN',
  ca_bn: 'Canadian BN',
  ch_vat: 'Swiss VAT number',
  no_vat: 'Norwegian VAT number',
  nz_gst: 'New Zealand GST number',
};

/** The stored details as the form's values. */
export function storedValues(customer: Customer): DetailsForm['values'] {
  const address = customer.billingAddress;
  return {
    name: customer.name,
    email: customer.email ?? '',
    line1: address?.line1 ?? '',
    line2: address?.line2 ?? '',
    city: address?.city ?? '',
    state: address?.state ?? '',
    postal_code: address?.postalCode ?? '',
    country: address?.country ?? '',
  };
}

const LABELS: Record<DetailField, string> = {
  name: 'Name',
  email: 'Email',
  line1: 'Address line 1',
  line2: 'Address line 2 (optional)',
  city: 'City',
  state: 'State, province or region',
  postal_code: 'Postal code',
  country: 'Country',
  tax_id_type: 'Type',
  tax_id_value: 'Number',
};

const AUTOCOMPLETE: Partial<Record<DetailField, string>> = {
  name: 'name',
  email: 'email',
  line1: 'address-line1',
  line2: 'address-line2',
  city: 'address-level2',
  state: 'address-level1',
  postal_code: 'postal-code',
  country: 'country',
};

/** The label, the control and, when it failed, the message it points at (`aria-describedby`). */
function field(
  form: DetailsForm,
  name: DetailField,
  control: 'input' | 'email' | 'country' | 'tax_type',
) {
  const id = `field-${name}`;
  const error = form.errors[name];
  const errorId = `${id}-error`;
  const invalid = error ? html` aria-invalid="true" aria-describedby="${errorId}"` : '';
  const value = form.values[name] ?? '';
  const auto = AUTOCOMPLETE[name] ? html` autocomplete="${AUTOCOMPLETE[name]}"` : '';
  let input: ReturnType<typeof html>;
  if (control === 'country') {
    input = html`<select id="${id}" name="${name}"${auto}${invalid}>
<option value="">No address</option>
${countryOptions().map((c) => html`<option value="${c.code}"${c.code === value.toUpperCase() ? html` selected` : ''}>${c.name}</option>`)}
</select>`;
  } else if (control === 'tax_type') {
    input = html`<select id="${id}" name="${name}"${invalid}>
${TAX_ID_TYPES.map((t) => html`<option value="${t}"${t === value ? html` selected` : ''}>${TAX_ID_LABELS[t]}</option>`)}
</select>`;
  } else {
    const type = control === 'email' ? 'email' : 'text';
    input = html`<input id="${id}" name="${name}" type="${type}" value="${value}"${auto}${invalid}>`;
  }
  return html`<label for="${id}">${LABELS[name]}</label>
${input}
${error ? html`<p class="field-error" id="${errorId}">${error}</p>` : ''}`;
}

function addressText(customer: Customer): string {
  const a = customer.billingAddress;
  if (!a) return 'none';
  return [a.line1, a.line2, a.city, a.state, a.postalCode, a.country].filter(Boolean).join(', ');
}

function detailsSection(
  state: PortalState,
  allowed: ReadonlySet<CustomerUpdateField>,
  form: DetailsForm,
) {
  const { customer } = state;
  const editable = allowed.has('name') || allowed.has('email') || allowed.has('address');
  const fixed = html`<dl class="fixed">
${allowed.has('name') ? '' : html`<dt>Name</dt><dd>${customer.name}</dd>`}
${allowed.has('email') ? '' : html`<dt>Email</dt><dd>${customer.email}</dd>`}
${allowed.has('address') ? '' : html`<dt>Billing address</dt><dd>${addressText(customer)}</dd>`}
</dl>`;
  return html`<section aria-labelledby="details">
<h2 id="details">Contact and address</h2>
${allowed.has('name') && allowed.has('email') && allowed.has('address') ? '' : fixed}
${
  editable
    ? html`<form method="post" action="/portal/billing-details" novalidate>
${csrfField(state)}
${allowed.has('name') ? field(form, 'name', 'input') : ''}
${allowed.has('email') ? field(form, 'email', 'email') : ''}
${
  allowed.has('address')
    ? html`<fieldset>
<legend>Billing address</legend>
${field(form, 'line1', 'input')}
${field(form, 'line2', 'input')}
${field(form, 'city', 'input')}
${field(form, 'state', 'input')}
${field(form, 'postal_code', 'input')}
${field(form, 'country', 'country')}
</fieldset>`
    : ''
}
<p><button type="submit">Save details</button></p>
</form>`
    : ''
}
</section>`;
}

function taxIdsSection(
  state: PortalState,
  allowed: ReadonlySet<CustomerUpdateField>,
  form: DetailsForm,
) {
  const { taxIds } = state.customer;
  const editable = allowed.has('tax_id');
  return html`<section aria-labelledby="tax-ids">
<h2 id="tax-ids">Tax IDs</h2>
${
  taxIds.length === 0
    ? html`<p>No tax IDs.</p>`
    : html`<ul>${taxIds.map(
        (taxId) =>
          html`<li>${TAX_ID_LABELS[taxId.type]}: <strong>${taxId.value}</strong>${
            editable
              ? html` <form method="post" action="/portal/billing-details/tax-ids/remove" class="inline">
${csrfField(state)}
<input type="hidden" name="type" value="${taxId.type}">
<input type="hidden" name="value" value="${taxId.value}">
<button type="submit" class="secondary" aria-label="Remove ${TAX_ID_LABELS[taxId.type]} ${taxId.value}">Remove</button>
</form>`
              : ''
          }</li>`,
      )}</ul>`
}
${
  editable
    ? html`<form method="post" action="/portal/billing-details/tax-ids" novalidate>
${csrfField(state)}
<fieldset>
<legend>Add a tax ID</legend>
${field(form, 'tax_id_type', 'tax_type')}
${field(form, 'tax_id_value', 'input')}
</fieldset>
<p><button type="submit">Add tax ID</button></p>
</form>`
    : ''
}
</section>`;
}

/** `GET /portal/billing-details`, or the same page again with the errors of a post. */
export function renderBillingDetails(state: PortalState, form: DetailsForm) {
  const allowed = new Set(state.configuration.features.customerUpdate.allowedUpdates);
  const failed = Object.keys(form.errors).length > 0;
  return page(
    state,
    'Billing details',
    '/portal/billing-details',
    html`${notice('ok', form.done)}
${notice('error', form.general ?? (failed ? 'Please correct the fields marked below.' : null))}
${detailsSection(state, allowed, form)}
${taxIdsSection(state, allowed, form)}`,
  );
}
