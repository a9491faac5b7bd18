import { describe, expect, it } from 'vitest';
import { LedgerError } from '../errors.js';
import { newId } from '../ids.js';
import { parseInput } from '../validation.js';
import {
  AddCreditInput,
  CreateCustomerInput,
  emailSchema,
  ListCustomersInput,
  UpdateCustomerInput,
} from './schemas.js';

const valid = { name: 'Alice Johnson', email: 'alice@example.com', currency: 'usd' };

function refusalOf(schema: Parameters<typeof parseInput>[0], input: unknown): LedgerError {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('input was accepted');
}

describe('CreateCustomerInput', () => {
  it('normalises a minimal customer', () => {
    expect(parseInput(CreateCustomerInput, valid)).toEqual({ ...valid, currency: 'USD' });
  });

  it('trims the name to 1–256 characters', () => {
    expect(parseInput(CreateCustomerInput, { ...valid, name: '  Alice  ' }).name).toBe('Alice');
    const longest = 'n'.repeat(256);
    expect(parseInput(CreateCustomerInput, { ...valid, name: ` ${longest} ` }).name).toBe(longest);
    for (const name of ['', '   ', '\t\n', 'n'.repeat(257)]) {
      expect(refusalOf(CreateCustomerInput, { ...valid, name })).toMatchObject({
        code: 'invalid_input',
        param: ['name'],
      });
    }
  });

  it('requires name, email and currency', () => {
    for (const field of ['name', 'email', 'currency'] as const) {
      const { [field]: _omitted, ...rest } = valid;
      expect(refusalOf(CreateCustomerInput, rest).param).toEqual([field]);
    }
  });

  it('refuses unknown keys with invalid_input and the path of the key', () => {
    expect(refusalOf(CreateCustomerInput, { ...valid, balance: 100 })).toMatchObject({
      code: 'invalid_input',
      param: ['balance'],
      message: 'Unknown parameter "balance"',
    });
    expect(refusalOf(CreateCustomerInput, { ...valid, tenantId: 'other' }).param).toEqual([
      'tenantId',
    ]);
    const nested = refusalOf(CreateCustomerInput, {
      ...valid,
      billingAddress: { line1: '1 Main St', country: 'US', zip: '94105' },
    });
    expect(nested).toMatchObject({
      code: 'invalid_input',
      param: ['billingAddress', 'zip'],
      message: 'Unknown parameter "billingAddress.zip"',
    });
  });

  it('names the nested parameter at fault', () => {
    const error = refusalOf(CreateCustomerInput, {
      ...valid,
      billingAddress: { line1: '1 Main St', country: 'XX' },
    });
    expect(error).toMatchObject({ code: 'invalid_country', param: ['billingAddress', 'country'] });
    expect(refusalOf(CreateCustomerInput, { ...valid, currency: 'usdollar' })).toMatchObject({
      code: 'invalid_currency',
      param: ['currency'],
    });
    expect(refusalOf(CreateCustomerInput, { ...valid, taxExempt: 'maybe' })).toMatchObject({
      code: 'invalid_input',
      param: ['taxExempt'],
    });
    expect(refusalOf(CreateCustomerInput, { ...valid, metadata: { 'a[0]': 1 } })).toMatchObject({
      code: 'invalid_metadata',
      param: ['metadata', 'a[0]'],
    });
  });
});

describe('email', () => {
  it.each([
    ['Alice@Example.COM', 'alice@example.com'],
    ['  bob+tag@example.com ', 'bob+tag@example.com'],
    ['o.connor@sub.example.co.uk', 'o.connor@sub.example.co.uk'],
  ])('accepts %j and stores it lower-cased as %j', (input, stored) => {
    expect(parseInput(emailSchema, input)).toBe(stored);
    expect(parseInput(CreateCustomerInput, { ...valid, email: input }).email).toBe(stored);
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'alice@example', 'a b@example.com', 'a@@b.com'])(
    'refuses %j with invalid_email',
    (email) => {
      expect(refusalOf(CreateCustomerInput, { ...valid, email })).toMatchObject({
        code: 'invalid_email',
        param: ['email'],
      });
    },
  );

  it('allows 512 characters and refuses 513', () => {
    const domain = '@example.com';
    const at512 = `${'a'.repeat(512 - domain.length)}${domain}`;
    expect(at512).toHaveLength(512);
    expect(parseInput(emailSchema, at512.toUpperCase())).toBe(at512);
    const at513 = `a${at512}`;
    expect(refusalOf(CreateCustomerInput, { ...valid, email: at513 })).toMatchObject({
      code: 'invalid_email',
      param: ['email'],
    });
  });
});

describe('UpdateCustomerInput', () => {
  const id = newId('customer');

  it('accepts only the fields given, and null to clear the address and default method', () => {
    expect(parseInput(UpdateCustomerInput, { id })).toEqual({ id });
    expect(
      parseInput(UpdateCustomerInput, {
        id,
        email: 'NEW@Example.com',
        billingAddress: null,
        defaultPaymentMethod: null,
      }),
    ).toEqual({ id, email: 'new@example.com', billingAddress: null, defaultPaymentMethod: null });
  });

  it('refuses a malformed id or one of another kind with invalid_id', () => {
    for (const bad of ['cus_nope', newId('paymentMethod'), '']) {
      expect(refusalOf(UpdateCustomerInput, { id: bad })).toMatchObject({
        code: 'invalid_id',
        param: ['id'],
      });
    }
    expect(
      refusalOf(UpdateCustomerInput, { id, defaultPaymentMethod: newId('customer') }),
    ).toMatchObject({ code: 'invalid_id', param: ['defaultPaymentMethod'] });
  });

  it('refuses a balance or status change', () => {
    expect(refusalOf(UpdateCustomerInput, { id, balance: 0 }).param).toEqual(['balance']);
    expect(refusalOf(UpdateCustomerInput, { id, status: 'deleted' }).param).toEqual(['status']);
  });
});

describe('AddCreditInput', () => {
  const customerId = newId('customer');

  it('takes a positive amount and a trimmed reason', () => {
    expect(
      parseInput(AddCreditInput, {
        customerId,
        amount: { amount: 500, currency: 'eur' },
        reason: ' goodwill ',
      }),
    ).toEqual({ customerId, amount: { amount: 500, currency: 'EUR' }, reason: 'goodwill' });
  });

  it.each([0, -500, 1.5, 1_000_000_000_000])(
    'refuses the amount %d with invalid_amount',
    (amount) => {
      expect(
        refusalOf(AddCreditInput, {
          customerId,
          amount: { amount, currency: 'EUR' },
          reason: 'x',
        }),
      ).toMatchObject({ code: 'invalid_amount', param: ['amount', 'amount'] });
    },
  );
});

describe('ListCustomersInput', () => {
  it('defaults to 20 active customers from the start', () => {
    expect(parseInput(ListCustomersInput, {})).toEqual({ limit: 20, offset: 0, status: 'active' });
  });

  it('coerces query-string numbers and bounds them', () => {
    expect(parseInput(ListCustomersInput, { limit: '100', offset: '40' })).toMatchObject({
      limit: 100,
      offset: 40,
    });
    expect(refusalOf(ListCustomersInput, { limit: '101' }).param).toEqual(['limit']);
    expect(refusalOf(ListCustomersInput, { limit: '0' }).param).toEqual(['limit']);
  });

  it('refuses offset and cursor paging together', () => {
    expect(
      refusalOf(ListCustomersInput, { offset: 20, startingAfter: newId('customer') }),
    ).toMatchObject({ code: 'invalid_input', param: ['startingAfter'] });
  });
});
