import { testDatabaseKinds } from '@ledger/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from './harness.js';
import { openPortal } from './portal-support.js';
import { createCustomer } from './support.js';

/** "Download my data" in the portal: the customer's own export, gone when the feature is off. */
describe.each(testDatabaseKinds())('the portal’s data export on %s', (kind) => {
  let t: TestLedger;
  beforeAll(async () => {
    t = await startTestLedger(kind);
  });
  afterAll(() => t?.close());

  it('serves the same document as the API, and 404s when data_export is off', async () => {
    const customer = await createCustomer(t, { name: 'Data Dee', email: 'dee@example.com' });
    const other = await createCustomer(t, { name: 'Other Oz', email: 'oz@example.com' });
    const visit = await openPortal(t, customer.id);
    const overview = await visit.get('/portal');
    expect(overview.html).toContain('href="/portal/export"');

    const download = await visit.get('/portal/export');
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toContain('application/json');
    expect(download.headers.get('content-disposition')).toBe(
      `attachment; filename="${customer.id}-export.json"`,
    );
    const document = JSON.parse(download.html) as Record<string, unknown> & {
      customer: { id: string; email: string };
    };
    const api = await t.rest<Record<string, unknown>>(
      'GET',
      `/ledger/customers/${customer.id}/export`,
    );
    expect(api.status).toBe(200);
    const { exported_at: _a, ...fromPortal } = document;
    const { exported_at: _b, ...fromApi } = api.body;
    expect(fromPortal).toEqual(fromApi);
    expect(document.customer).toMatchObject({ id: customer.id, email: 'dee@example.com' });
    expect(download.html).not.toContain(other.id);

    const off = await t.rest('PUT', '/ledger/portal/configuration', {
      body: { features: { data_export: { enabled: false } } },
    });
    expect(off.status, off.text).toBe(200);
    expect((await visit.get('/portal/export')).status).toBe(404);
    expect((await visit.get('/portal')).html).not.toContain('/portal/export');
    await t.rest('PUT', '/ledger/portal/configuration', {
      body: { features: { data_export: { enabled: true } } },
    });
  });
});
