import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtInTax } from '../../billing/default-ports.js';
import type { Customer } from '../../customer/model.js';
import { mergeFxRates, REFERENCE_FX_TABLE } from '../../fx/table.js';
import type { LineItem } from '../model.js';
import { convertLines } from './convert-lines.js';
import { applyBalance } from './finalize-invoice.js';

const when = new Date('2026-01-01T00:00:00Z');
const line = (amount: number, i: number): LineItem => ({
  id: `li_${String(i).padStart(26, '0')}`,
  kind: i === 0 ? 'base' : amount < 0 ? 'proration' : 'usage',
  description: `line ${i}`,
  featureKey: null,
  quantity: 1,
  amount: { amount, currency: 'USD' },
  periodStart: when,
  periodEnd: when,
});

const amounts = fc.array(fc.integer({ min: -5_000_000, max: 50_000_000 }), {
  minLength: 1,
  maxLength: 12,
});
const rate = fc
  .tuple(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 0, max: 9999 }))
  .map(([units, frac]) => `${units}.${String(frac).padStart(4, '0')}`);
const target = fc.constantFrom('EUR', 'JPY', 'KWD', 'GBP', 'CHF');

const customer = (country: string, taxExempt: Customer['taxExempt']): Customer => ({
  id: 'cus_01h00000000000000000000000',
  tenantId: 't',
  appId: 'a',
  name: 'P',
  email: 'p@example.com',
  billingAddress: { line1: '1 Main', country, state: 'CA' },
  defaultPaymentMethod: null,
  balance: { amount: 0, currency: 'EUR' },
  currency: 'EUR',
  taxIds: [],
  taxExempt,
  metadata: {},
  status: 'active',
  createdAt: when,
  updatedAt: when,
  deletedAt: null,
  erasedAt: null,
});

describe('invoice sums (property)', () => {
  it('converted lines always add up to the subtotal, converted once from the exact sum', () => {
    fc.assert(
      fc.property(amounts, rate, target, (values, tenantRate, to) => {
        const table = mergeFxRates(REFERENCE_FX_TABLE, {
          base: 'USD',
          rates: { [to]: tenantRate },
        });
        const lines = values.map(line);
        const result = convertLines(lines, 'USD', to, table);
        const sum = result.lines.reduce((total, l) => total + l.amount.amount, 0);
        expect(sum).toBe(result.subtotal);
        expect(
          result.lines.every(
            (l) => Number.isSafeInteger(l.amount.amount) && l.amount.currency === to,
          ),
        ).toBe(true);
        // The subtotal is the exact sum × rate, rounded once: within half a minor unit of it.
        const exponent = { EUR: 2, JPY: 0, KWD: 3, GBP: 2, CHF: 2 }[to] ?? 2;
        const [units, frac = ''] = tenantRate.split('.');
        const rateNum = BigInt(`${units}${frac}`);
        const rateDen = 10n ** BigInt(frac.length);
        const total = BigInt(values.reduce((t, v) => t + v, 0));
        const exactTimes2 = 2n * total * rateNum * 10n ** BigInt(exponent);
        const den = rateDen * 100n; // USD has 2 decimals
        const diff = exactTimes2 - 2n * BigInt(result.subtotal) * den;
        expect(diff <= den && diff >= -den).toBe(true);
        expect(result.fx).toMatchObject({ from: 'USD' });
      }),
      { numRuns: 300 },
    );
  });

  it('tax is a whole, non-negative amount, and nothing under an exemption', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 900_000_000_000 }),
        fc.constantFrom('US', 'DE', 'FR', 'GB', 'JP', 'CA', 'ZZ'),
        fc.constantFrom<Customer['taxExempt']>('none', 'exempt', 'reverse'),
        async (subtotal, country, exempt) => {
          const tax = await builtInTax('US').calculate({
            scope: { tenantId: 't', appId: 'a' },
            subtotal: { amount: subtotal, currency: 'EUR' },
            customer: customer(country, exempt),
          });
          expect(Number.isSafeInteger(tax.amount.amount)).toBe(true);
          expect(tax.amount.amount).toBeGreaterThanOrEqual(0);
          expect(tax.amount.amount).toBeLessThanOrEqual(subtotal);
          if (exempt !== 'none') expect(tax.amount.amount).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('the balance meets the total without creating or losing a minor unit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }),
        fc.integer({ min: -2_000_000_000_000, max: 2_000_000_000_000 }),
        (total, balance) => {
          const { applied, amountDue, endingBalance } = applyBalance(total, balance);
          // Money is conserved: what leaves the balance arrives on the invoice, and the
          // customer's whole position (invoice plus balance) is unchanged.
          expect(amountDue + applied).toBe(total);
          expect(endingBalance - applied).toBe(balance);
          expect(amountDue + endingBalance).toBe(total + balance);
          // Nothing is ever due below zero, no debt is left behind on the balance, and the
          // position lands on one side only: something due, or credit left, never both.
          expect(amountDue).toBeGreaterThanOrEqual(0);
          expect(endingBalance).toBeLessThanOrEqual(0);
          expect(amountDue === 0 || endingBalance === 0).toBe(true);
          // A credit balance never raises what is due; a debt never lowers it.
          if (balance <= 0 && total >= 0) expect(amountDue).toBeLessThanOrEqual(total);
          if (balance >= 0 && total >= 0) expect(amountDue).toBeGreaterThanOrEqual(total);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
