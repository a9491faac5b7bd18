import { describe, expect, it } from 'vitest';
import { type CalculateTaxInput, calculateTax, isReverseCharge, taxOn } from './calculate.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });
const cad = (amount: number) => ({ amount, currency: 'CAD' });

function input(overrides: Partial<CalculateTaxInput>): CalculateTaxInput {
  return {
    subtotal: eur(10_000),
    address: { line1: 'Unter den Linden 1', country: 'DE', postalCode: '10117' },
    taxExempt: 'none',
    taxIds: [],
    originCountry: 'DE',
    ...overrides,
  };
}

const euVat = [{ type: 'eu_vat', value: 'FR40303265045' }];
const paris = { line1: '1 rue de Rivoli', country: 'FR', postalCode: '75001' };

describe('calculateTax', () => {
  it('taxes a domestic sale at the address rate', () => {
    expect(calculateTax(input({}))).toEqual({
      amount: eur(1900),
      rate: '0.19',
      jurisdiction: 'DE',
      components: [{ name: 'VAT', rate: '0.19', jurisdiction: 'DE' }],
      exempt: false,
      reason: 'taxable',
    });
  });

  it('charges nothing to an exempt customer', () => {
    expect(calculateTax(input({ taxExempt: 'exempt' }))).toMatchObject({
      amount: eur(0),
      rate: '0',
      jurisdiction: 'DE',
      exempt: true,
      reason: 'exempt',
    });
  });

  it('honours an explicit reverse charge anywhere', () => {
    const address = { line1: '1 Main St', country: 'US', state: 'TX' };
    expect(calculateTax(input({ taxExempt: 'reverse', address }))).toMatchObject({
      amount: eur(0),
      jurisdiction: 'US-TX',
      exempt: true,
      reason: 'reverse_charge',
    });
  });

  it('reverse-charges an EU VAT id in another member state than the seller', () => {
    expect(calculateTax(input({ address: paris, taxIds: euVat }))).toMatchObject({
      amount: eur(0),
      rate: '0',
      jurisdiction: 'FR',
      exempt: true,
      reason: 'reverse_charge',
    });
  });

  it('taxes an EU VAT id in the seller’s own country', () => {
    const taxIds = [{ type: 'eu_vat', value: 'DE123456789' }];
    expect(calculateTax(input({ taxIds }))).toMatchObject({ amount: eur(1900), reason: 'taxable' });
  });

  it('does not reverse-charge when the seller is outside the EU', () => {
    const result = calculateTax(input({ address: paris, taxIds: euVat, originCountry: 'US' }));
    expect(result).toMatchObject({ amount: eur(2000), rate: '0.2', reason: 'taxable' });
  });

  it('does not reverse-charge a customer outside the EU, nor on a non-EU tax id', () => {
    const london = { line1: '10 Downing St', country: 'GB', postalCode: 'SW1A 2AA' };
    expect(calculateTax(input({ address: london, taxIds: euVat })).reason).toBe('taxable');
    const gbVat = [{ type: 'gb_vat', value: 'GB980780684' }];
    expect(calculateTax(input({ address: paris, taxIds: gbVat })).reason).toBe('taxable');
    const blank = [{ type: 'eu_vat', value: '  ' }];
    expect(calculateTax(input({ address: paris, taxIds: blank })).reason).toBe('taxable');
  });

  it('exemption wins over an EU VAT id', () => {
    const result = calculateTax(input({ address: paris, taxIds: euVat, taxExempt: 'exempt' }));
    expect(result.reason).toBe('exempt');
  });

  it('says why there is no tax without an address or outside the table', () => {
    expect(calculateTax(input({ address: undefined }))).toMatchObject({
      amount: eur(0),
      jurisdiction: 'unknown',
      exempt: false,
      reason: 'no_address',
    });
    const saoPaulo = { line1: 'Av. Paulista 1000', country: 'BR' };
    expect(calculateTax(input({ address: saoPaulo })).reason).toBe('unknown_jurisdiction');
  });

  it('reports a known zero rate as taxable', () => {
    const portland = { line1: '1 SW Main St', country: 'US', state: 'OR' };
    expect(calculateTax(input({ address: portland }))).toMatchObject({
      amount: eur(0),
      jurisdiction: 'US-OR',
      reason: 'taxable',
    });
  });

  it('rounds the combined rate once, not each component', () => {
    // 0.10 CAD in Quebec: 0.05 × 10 = 0.5 and 0.09975 × 10 = 0.9975 would round to 1 + 1 = 2;
    // 0.14975 × 10 = 1.4975 rounds to 1.
    const montreal = { line1: '1 rue Sainte-Catherine', country: 'CA', state: 'QC' };
    expect(calculateTax(input({ subtotal: cad(10), address: montreal })).amount).toEqual(cad(1));
  });

  it('applies deployment overrides', () => {
    const overrides = { countries: { DE: { components: [{ name: 'VAT', rate: '0.16' }] } } };
    expect(calculateTax(input({ overrides })).amount).toEqual(eur(1600));
  });

  it('refuses an unknown currency, a fractional amount and a bad taxExempt', () => {
    const bad = (partial: Partial<CalculateTaxInput>) => () => calculateTax(input(partial));
    expect(bad({ subtotal: { amount: 1, currency: 'XXX1' } })).toThrow(
      expect.objectContaining({ code: 'invalid_currency' }),
    );
    expect(bad({ subtotal: eur(10.5) })).toThrow(
      expect.objectContaining({ code: 'invalid_amount' }),
    );
    const taxExempt = 'maybe' as CalculateTaxInput['taxExempt'];
    expect(bad({ taxExempt })).toThrow(expect.objectContaining({ code: 'invalid_input' }));
  });
});

describe('taxOn rounding (half away from zero)', () => {
  it.each([
    [10, '0.05', 1], // 0.5
    [30, '0.05', 2], // 1.5
    [50, '0.05', 3], // 2.5: half-even would give 2
    [-50, '0.05', -3],
    [-10, '0.05', -1],
    [4999, '0.0725', 362], // 362.4275
    [4999, '0.08625', 431], // 431.16375
    [1, '0.19', 0],
    [-1, '0.19', 0],
    [3, '0.19', 1], // 0.57
  ])('%i × %s → %i', (amount, rate, expected) => {
    expect(taxOn(eur(amount), rate)).toEqual(eur(expected));
  });

  it('never returns negative zero', () => {
    expect(Object.is(taxOn(eur(-1), '0.19').amount, 0)).toBe(true);
  });

  it('refuses a result outside the storable range', () => {
    expect(() => taxOn(eur(Number.MAX_SAFE_INTEGER), '2')).toThrow(
      expect.objectContaining({ code: 'balance_out_of_range' }),
    );
    expect(taxOn(eur(Number.MAX_SAFE_INTEGER), '1')).toEqual(eur(Number.MAX_SAFE_INTEGER));
  });
});

describe('isReverseCharge', () => {
  it('needs an EU VAT id, two EU countries and different ones', () => {
    expect(isReverseCharge('FR', 'DE', euVat)).toBe(true);
    expect(isReverseCharge('fr', 'de', [{ type: 'EU_VAT', value: 'FR1' }])).toBe(true);
    expect(isReverseCharge('FR', 'FR', euVat)).toBe(false);
    expect(isReverseCharge('FR', 'DE', [])).toBe(false);
    expect(isReverseCharge('CH', 'DE', euVat)).toBe(false);
    expect(isReverseCharge('FR', 'GB', euVat)).toBe(false);
  });
});
