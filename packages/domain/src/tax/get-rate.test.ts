import { describe, expect, it } from 'vitest';
import { isLedgerError } from '../errors.js';
import { getRate, type TaxAddress } from './get-rate.js';

// Real places, each expected value checked by hand against rates.json and its sources.
const addresses: Array<[string, TaxAddress, string, string]> = [
  ['Berlin', { country: 'DE', postalCode: '10115' }, '0.19', 'DE'],
  ['Paris', { country: 'FR', postalCode: '75001' }, '0.2', 'FR'],
  ['Madrid', { country: 'ES', postalCode: '28013' }, '0.21', 'ES'],
  ['Helsinki', { country: 'FI', postalCode: '00100' }, '0.255', 'FI'],
  ['Budapest', { country: 'HU', postalCode: '1051' }, '0.27', 'HU'],
  ['Tallinn', { country: 'EE', postalCode: '10111' }, '0.24', 'EE'],
  ['London', { country: 'GB', postalCode: 'SW1A 1AA' }, '0.2', 'GB'],
  ['Zürich', { country: 'CH', postalCode: '8001' }, '0.081', 'CH'],
  ['Oslo', { country: 'NO', postalCode: '0150' }, '0.25', 'NO'],
  ['Sydney', { country: 'AU', state: 'NSW', postalCode: '2000' }, '0.1', 'AU'],
  ['Auckland', { country: 'NZ', postalCode: '1010' }, '0.15', 'NZ'],
  ['Bengaluru', { country: 'IN', state: 'KA', postalCode: '560001' }, '0.18', 'IN'],
  ['Tokyo', { country: 'JP', postalCode: '100-0001' }, '0.1', 'JP'],
  ['Singapore', { country: 'SG', postalCode: '018956' }, '0.09', 'SG'],
  ['Toronto', { country: 'CA', state: 'ON', postalCode: 'M5V 3L9' }, '0.13', 'CA-ON'],
  ['Montréal', { country: 'CA', state: 'QC', postalCode: 'H2Y 1C6' }, '0.14975', 'CA-QC'],
  ['Vancouver', { country: 'CA', state: 'BC', postalCode: 'V6B 1A1' }, '0.12', 'CA-BC'],
  ['Halifax', { country: 'CA', state: 'NS', postalCode: 'B3H 1A1' }, '0.14', 'CA-NS'],
  ['Regina', { country: 'CA', state: 'SK', postalCode: 'S4P 3Y2' }, '0.11', 'CA-SK'],
  ['Austin', { country: 'US', state: 'TX', postalCode: '78701' }, '0.0625', 'US-TX'],
  ['Los Angeles', { country: 'US', state: 'CA', postalCode: '90012' }, '0.0725', 'US-CA'],
  ['Portland OR', { country: 'US', state: 'OR', postalCode: '97201' }, '0', 'US-OR'],
  ['Washington DC', { country: 'US', state: 'DC', postalCode: '20001' }, '0.065', 'US-DC'],
  ['San Francisco', { country: 'US', state: 'CA', postalCode: '94105' }, '0.08625', 'US-CA-94105'],
  [
    'New York City',
    { country: 'US', state: 'NY', postalCode: '10001-2062' },
    '0.08875',
    'US-NY-10001',
  ],
  ['Chicago', { country: 'US', state: 'IL', postalCode: '60601' }, '0.1025', 'US-IL-60601'],
];

describe('getRate on real addresses', () => {
  it.each(addresses)('%s', (_name, address, rate, jurisdiction) => {
    const result = getRate(address);
    expect(result.rate).toBe(rate);
    expect(result.jurisdiction).toBe(jurisdiction);
  });
});

describe('getRate components', () => {
  it('splits Quebec into federal GST and provincial QST', () => {
    expect(getRate({ country: 'CA', state: 'QC' }).components).toEqual([
      { name: 'GST', rate: '0.05', jurisdiction: 'CA' },
      { name: 'QST', rate: '0.09975', jurisdiction: 'CA-QC' },
    ]);
  });

  it('keeps Ontario HST as one harmonized component', () => {
    expect(getRate({ country: 'CA', state: 'ON' }).components).toEqual([
      { name: 'HST', rate: '0.13', jurisdiction: 'CA-ON' },
    ]);
  });

  it('adds San Francisco local taxes on top of the California state rate', () => {
    const result = getRate({ country: 'US', state: 'CA', postalCode: '94105' });
    expect(result.components.map((c) => [c.rate, c.jurisdiction])).toEqual([
      ['0.0725', 'US-CA'],
      ['0.01375', 'US-CA-94105'],
    ]);
  });

  it('has no components where a state levies no sales tax, yet knows the jurisdiction', () => {
    for (const state of ['AK', 'DE', 'MT', 'NH', 'OR']) {
      expect(getRate({ country: 'US', state })).toEqual({
        rate: '0',
        jurisdiction: `US-${state}`,
        components: [],
      });
    }
  });
});

describe('getRate input forms', () => {
  it('accepts lower-case codes, ISO 3166-2 codes and region names', () => {
    expect(getRate({ country: 'de' }).jurisdiction).toBe('DE');
    expect(getRate({ country: 'US', state: 'ca' }).jurisdiction).toBe('US-CA');
    expect(getRate({ country: 'US', state: 'US-CA' }).jurisdiction).toBe('US-CA');
    expect(getRate({ country: 'US', state: 'California' }).jurisdiction).toBe('US-CA');
    expect(getRate({ country: 'CA', state: 'Québec' }).jurisdiction).toBe('CA-QC');
  });

  it('infers a Canadian province from the postal code when the state is missing', () => {
    expect(getRate({ country: 'CA', postalCode: 'T2P 1J9' }).jurisdiction).toBe('CA-AB');
    expect(getRate({ country: 'CA', postalCode: 'X0A 0H0' }).jurisdiction).toBe('CA-NU');
    expect(getRate({ country: 'CA', postalCode: 'X1A 2L9' }).jurisdiction).toBe('CA-NT');
  });

  it('infers a US state only from a ZIP code that has an override entry', () => {
    expect(getRate({ country: 'US', postalCode: '10001' }).jurisdiction).toBe('US-NY-10001');
    expect(getRate({ country: 'US', postalCode: '73301' }).jurisdiction).toBe('unknown');
  });

  it('trusts the given state over a ZIP override for another state', () => {
    const result = getRate({ country: 'US', state: 'NJ', postalCode: '10001' });
    expect(result).toMatchObject({ rate: '0.06625', jurisdiction: 'US-NJ' });
  });
});

describe('territories outside the national VAT area', () => {
  it('charges no German VAT on Heligoland', () => {
    expect(getRate({ country: 'DE', postalCode: '27498' })).toEqual({
      rate: '0',
      jurisdiction: 'DE-27498',
      components: [],
    });
  });

  it('applies Swiss VAT in Büsingen', () => {
    const result = getRate({ country: 'DE', postalCode: '78266' });
    expect(result.rate).toBe('0.081');
    expect(result.components[0]?.jurisdiction).toBe('CH');
  });

  it('applies IGIC instead of VAT on the Canary Islands', () => {
    expect(getRate({ country: 'ES', postalCode: '35001' })).toMatchObject({
      rate: '0.07',
      jurisdiction: 'ES-35',
    });
  });
});

describe('unknown places', () => {
  const unknown = { rate: '0', jurisdiction: 'unknown', components: [] };

  it('gives rate 0 and jurisdiction unknown, never an error', () => {
    expect(getRate({ country: 'BR', postalCode: '01310-100' })).toEqual(unknown);
    expect(getRate({ country: 'US', state: 'ZZ' })).toEqual(unknown);
    expect(getRate({ country: 'US' })).toEqual(unknown);
    expect(getRate({ country: 'CA' })).toEqual(unknown);
    expect(getRate({ country: '' })).toEqual(unknown);
  });
});

describe('deployment overrides', () => {
  it('replaces a country rate', () => {
    const overrides = { countries: { DE: { components: [{ name: 'VAT', rate: '0.16' }] } } };
    expect(getRate({ country: 'DE' }, overrides).rate).toBe('0.16');
    expect(getRate({ country: 'DE' }).rate).toBe('0.19');
  });

  it('replaces one region and keeps the ZIP refinement on top of it', () => {
    const overrides = {
      countries: {
        US: { regions: { CA: { name: 'California', components: [{ name: 'CA', rate: '0.08' }] } } },
      },
    };
    expect(getRate({ country: 'US', state: 'CA', postalCode: '94105' }, overrides).rate).toBe(
      '0.09375',
    );
    expect(getRate({ country: 'US', state: 'TX' }, overrides).rate).toBe('0.0625');
  });

  it('adds a country the built-in table does not cover', () => {
    const overrides = {
      countries: { BR: { name: 'Brazil', components: [{ name: 'ISS', rate: '0.05' }] } },
    };
    expect(getRate({ country: 'BR' }, overrides)).toMatchObject({
      rate: '0.05',
      jurisdiction: 'BR',
    });
  });

  it('gives a regioned country a fallback for unknown regions', () => {
    const overrides = { countries: { CA: { components: [{ name: 'GST', rate: '0.05' }] } } };
    expect(getRate({ country: 'CA' }, overrides)).toMatchObject({
      rate: '0.05',
      jurisdiction: 'CA',
    });
    expect(getRate({ country: 'CA', state: 'ON' }, overrides).rate).toBe('0.13');
  });

  it('refuses a new country with neither components nor regions', () => {
    expect(() => getRate({ country: 'BR' }, { countries: { BR: { name: 'Brazil' } } })).toThrow(
      expect.objectContaining({ code: 'invalid_input' }),
    );
    try {
      getRate({ country: 'BR' }, { countries: { BR: { name: 'Brazil' } } });
    } catch (error) {
      expect(isLedgerError(error, 'invalid_input')).toBe(true);
    }
  });
});
