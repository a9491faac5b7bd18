import { CustomerObject } from '@ledger/api';
import { testDatabaseKinds } from '@ledger/db/testing';
import { COUNTRY_CODES, TAX_ID_TYPES } from '@ledger/domain';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { openPortal, type PortalVisit } from './portal-support.js';
import { createCustomer, eventsOf } from './support.js';

/** The opening tag of the form control posted as `name` (input or select), or undefined. */
function control(html: string, name: string): string | undefined {
  return html.match(new RegExp(`<(?:input|select)[^>]*\\bname="${name}"[^>]*>`))?.[0];
}

/** The text of the element with this id. */
function textOf(html: string, id: string): string | undefined {
  return html.match(new RegExp(`id="${id}"[^>]*>([^<]*)<`))?.[1];
}

/** Asserts the control failed with a message that it points at, and returns the message. */
function fieldError(html: string, name: string): string {
  const tag = control(html, name) ?? '';
  expect(tag).toContain('aria-invalid="true"');
  const describedBy = tag.match(/aria-describedby="([^"]+)"/)?.[1] ?? '';
  expect(describedBy).not.toBe('');
  const message = textOf(html, describedBy) ?? '';
  expect(message.length).toBeGreaterThan(0);
  return message;
}

const address = {
  line1: '1 Main St',
  line2: '',
  city: 'Berlin',
  state: '',
  postal_code: '10115',
  country: 'DE',
};

describe.each(testDatabaseKinds())('portal billing details on %s', (kind) => {
  let t: TestLedger;
  let customerId: string;
  let visit: PortalVisit;

  beforeAll(async () => {
    t = await startTestLedger(kind);
    const customer = await createCustomer(t, {
      name: 'Dana Details',
      email: 'dana@example.com',
      billing_address: { line1: '9 Old Rd', city: 'Paris', postal_code: '75001', country: 'FR' },
      tax_ids: [{ type: 'eu_vat', value: 'FR40303265045' }],
    });
    customerId = customer.id;
    visit = await openPortal(t, customerId);
  });
  afterAll(() => t.close());
  afterEach(async () => {
    const reset = await t.rest('PUT', '/ledger/portal/configuration', {
      body: {
        features: {
          customer_update: {
            enabled: true,
            allowed_updates: ['name', 'email', 'address', 'tax_id'],
          },
        },
      },
    });
    expect(reset.status, reset.text).toBe(200);
  });

  const stored = async () =>
    CustomerObject.parse((await t.rest('GET', `/ledger/customers/${customerId}`)).body);
  const updates = async () =>
    (await eventsOf(t, customerId)).filter((event) => event.type === 'customer.updated').length;

  it('shows the details in a form: every country the domain accepts, named; the tax IDs', async () => {
    const page = await visit.get('/portal/billing-details');
    expect(page.status).toBe(200);
    expect(control(page.html, 'name')).toContain('value="Dana Details"');
    expect(control(page.html, 'email')).toContain('value="dana@example.com"');
    expect(control(page.html, 'city')).toContain('value="Paris"');
    const countries = [...page.html.matchAll(/<option value="([A-Z]{2})"[^>]*>([^<]+)</g)];
    expect(countries.map((m) => m[1]).sort()).toEqual([...COUNTRY_CODES].sort());
    expect(countries.find((m) => m[1] === 'DE')?.[2]).toBe('Germany');
    expect(page.html).toMatch(/<option value="FR" selected>France</);
    for (const type of TAX_ID_TYPES) expect(page.html).toContain(`<option value="${type}"`);
    expect(page.html).toContain('FR40303265045');
    expect(page.html).toContain('action="/portal/billing-details/tax-ids/remove"');
    // Every control has a label.
    for (const id of page.html.matchAll(/<(?:input|select) id="([^"]+)"/g)) {
      expect(page.html).toContain(`<label for="${id[1]}">`);
    }
    expect(page.html).not.toContain('ldg_');
  });

  it('saves name, email and address through updateCustomer (customer.updated) and says so', async () => {
    const before = await updates();
    const saved = await visit.post('/portal/billing-details', {
      name: 'Dana Q. Details',
      email: 'Dana.Q@Example.com',
      ...address,
    });
    expect(saved.status, saved.html).toBe(303);
    expect(saved.location).toBe('/portal/billing-details?done=details_saved');
    const customer = await stored();
    expect(customer.name).toBe('Dana Q. Details');
    expect(customer.email).toBe('dana.q@example.com');
    expect(customer.billing_address).toMatchObject({
      line1: '1 Main St',
      city: 'Berlin',
      postal_code: '10115',
      country: 'DE',
    });
    expect(await updates()).toBe(before + 1);
    const page = await visit.get(saved.location ?? '');
    expect(page.html).toContain('Billing details saved.');
    expect(page.html).toMatch(/<option value="DE" selected>Germany</);
  });

  it('shows an invalid email beside the email field, keeps what was typed, writes nothing', async () => {
    const before = await stored();
    const events = await updates();
    const refused = await visit.post('/portal/billing-details', {
      name: 'Typed Name',
      email: 'not-an-email',
      ...address,
      city: 'Hamburg',
    });
    expect(refused.status).toBe(400);
    expect(fieldError(refused.html, 'email')).toMatch(/valid email/);
    expect(control(refused.html, 'email')).toContain('value="not-an-email"');
    expect(control(refused.html, 'name')).toContain('value="Typed Name"');
    expect(control(refused.html, 'name')).not.toContain('aria-invalid');
    expect(control(refused.html, 'city')).toContain('value="Hamburg"');
    expect(refused.html).toContain('role="alert"');
    expect(await stored()).toEqual(before);
    expect(await updates()).toBe(events);
  });

  it('shows an unknown country beside the country field and a missing first line beside it', async () => {
    const before = await stored();
    const badCountry = await visit.post('/portal/billing-details', {
      name: 'Typed Name',
      email: 'typed@example.com',
      ...address,
      country: 'ZZ',
    });
    expect(badCountry.status).toBe(400);
    expect(fieldError(badCountry.html, 'country')).toMatch(/country/i);
    expect(control(badCountry.html, 'email')).toContain('value="typed@example.com"');
    const noLine = await visit.post('/portal/billing-details', {
      name: 'Typed Name',
      email: 'typed@example.com',
      ...address,
      line1: '',
    });
    expect(noLine.status).toBe(400);
    expect(fieldError(noLine.html, 'line1')).toMatch(/first line/);
    expect(await stored()).toEqual(before);
  });

  it('clears the address when every address field is blank', async () => {
    const cleared = await visit.post('/portal/billing-details', {
      name: 'Dana Q. Details',
      email: 'dana.q@example.com',
      line1: '',
      line2: '',
      city: '',
      state: '',
      postal_code: '',
      country: '',
    });
    expect(cleared.status, cleared.html).toBe(303);
    expect((await stored()).billing_address).toBeNull();
    const back = await visit.post('/portal/billing-details', {
      name: 'Dana Q. Details',
      email: 'dana.q@example.com',
      ...address,
    });
    expect(back.status).toBe(303);
  });

  it('adds a tax ID, shows an invalid one beside its field, removes one', async () => {
    const events = await updates();
    const refused = await visit.post('/portal/billing-details/tax-ids', {
      tax_id_type: 'eu_vat',
      tax_id_value: 'XX12',
    });
    expect(refused.status).toBe(400);
    expect(fieldError(refused.html, 'tax_id_value')).toContain('XX12');
    expect(control(refused.html, 'tax_id_value')).toContain('value="XX12"');
    expect(refused.html).toMatch(/<option value="eu_vat" selected>/);
    expect((await stored()).tax_ids).toHaveLength(1);
    expect(await updates()).toBe(events);

    const badType = await visit.post('/portal/billing-details/tax-ids', {
      tax_id_type: 'xx_tax',
      tax_id_value: '123',
    });
    expect(badType.status).toBe(400);
    fieldError(badType.html, 'tax_id_type');

    const added = await visit.post('/portal/billing-details/tax-ids', {
      tax_id_type: 'gb_vat',
      tax_id_value: 'GB 980 7806 84',
    });
    expect(added.status, added.html).toBe(303);
    expect(added.location).toBe('/portal/billing-details?done=tax_id_added');
    expect((await stored()).tax_ids.map((id) => id.value)).toEqual([
      'FR40303265045',
      'GB980780684',
    ]);
    expect(await updates()).toBe(events + 1);

    const removed = await visit.post('/portal/billing-details/tax-ids/remove', {
      type: 'eu_vat',
      value: 'FR40303265045',
    });
    expect(removed.status).toBe(303);
    expect((await stored()).tax_ids.map((id) => id.value)).toEqual(['GB980780684']);
    const gone = await visit.post('/portal/billing-details/tax-ids/remove', {
      type: 'eu_vat',
      value: 'FR40303265045',
    });
    expect(gone.status).toBe(404);
  });

  it('renders only the allowed fields and refuses a post of any other with a 400 page', async () => {
    const set = await t.rest('PUT', '/ledger/portal/configuration', {
      body: { features: { customer_update: { allowed_updates: ['email'] } } },
    });
    expect(set.status, set.text).toBe(200);
    const page = await visit.get('/portal/billing-details');
    expect(page.status).toBe(200);
    expect(control(page.html, 'email')).toBeDefined();
    for (const name of ['name', 'line1', 'country', 'tax_id_type', 'tax_id_value']) {
      expect(control(page.html, name)).toBeUndefined();
    }
    expect(page.html).not.toContain('/portal/billing-details/tax-ids');
    const before = await stored();
    const withName = await visit.post('/portal/billing-details', {
      email: 'sneaky@example.com',
      name: 'Changed',
    });
    expect(withName.status).toBe(400);
    expect(withName.html).toContain('This change is not allowed');
    const taxId = await visit.post('/portal/billing-details/tax-ids', {
      tax_id_type: 'gb_vat',
      tax_id_value: 'GB980780684',
    });
    expect(taxId.status).toBe(400);
    const remove = await visit.post('/portal/billing-details/tax-ids/remove', {
      type: 'gb_vat',
      value: 'GB980780684',
    });
    expect(remove.status).toBe(400);
    expect(await stored()).toEqual(before);

    const emailOnly = await visit.post('/portal/billing-details', { email: 'only@example.com' });
    expect(emailOnly.status).toBe(303);
    expect((await stored()).email).toBe('only@example.com');
  });

  it('is gone (404) with its posts when customer_update is off', async () => {
    const set = await t.rest('PUT', '/ledger/portal/configuration', {
      body: { features: { customer_update: { enabled: false } } },
    });
    expect(set.status, set.text).toBe(200);
    const before = await stored();
    expect((await visit.get('/portal/billing-details')).status).toBe(404);
    expect((await visit.get('/portal')).html).not.toContain('href="/portal/billing-details"');
    const post = await visit.post('/portal/billing-details', { name: 'Off' });
    expect(post.status).toBe(404);
    const add = await visit.post('/portal/billing-details/tax-ids', {
      tax_id_type: 'gb_vat',
      tax_id_value: 'GB980780684',
    });
    expect(add.status).toBe(404);
    expect(await stored()).toEqual(before);
  });
});
