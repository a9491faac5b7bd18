import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatParam, LedgerError } from './errors.js';
import { parseInput, toLedgerError } from './validation.js';

function refusalOf(schema: z.ZodType, input: unknown): LedgerError {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('input was accepted');
}

const Order = z.strictObject({
  email: z.email().optional(),
  items: z
    .array(
      z.strictObject({
        sku: z.string().min(1),
        quantity: z.number().int().positive(),
      }),
    )
    .optional(),
  coupon: z
    .string()
    .refine((code) => code.startsWith('C-'), {
      message: 'must start with C-',
      params: { ledgerCode: 'invalid_cursor' },
    })
    .optional(),
  note: z
    .string()
    .refine(() => false, { message: 'never', params: { ledgerCode: 'not_a_ledger_code' } })
    .optional(),
});

describe('parseInput', () => {
  it('returns the parsed output on success', () => {
    const input = { items: [{ sku: 'a', quantity: 2 }] };
    expect(parseInput(Order, input)).toEqual(input);
  });

  it('throws one LedgerError naming the array element and field at fault', () => {
    const error = refusalOf(Order, {
      items: [
        { sku: 'a', quantity: 1 },
        { sku: 'b', quantity: 0 },
      ],
    });
    expect(error).toBeInstanceOf(LedgerError);
    expect(error.code).toBe('invalid_input');
    expect(error.param).toEqual(['items', 1, 'quantity']);
    expect(error.message).toMatch(/^Invalid "items\[1\]\.quantity": /);
  });

  it('names an unknown key at any depth by its full path', () => {
    const top = refusalOf(Order, { extra: true });
    expect(top).toMatchObject({ code: 'invalid_input', param: ['extra'] });
    expect(top.message).toBe('Unknown parameter "extra"');
    const deep = refusalOf(Order, { items: [{ sku: 'a', quantity: 1, colour: 'red' }] });
    expect(deep.param).toEqual(['items', 0, 'colour']);
    expect(deep.message).toBe('Unknown parameter "items[0].colour"');
  });

  it('maps an email format failure to invalid_email', () => {
    expect(refusalOf(Order, { email: 'not-an-email' })).toMatchObject({
      code: 'invalid_email',
      param: ['email'],
    });
  });

  it('takes the code a schema attaches, when it is a Ledger code', () => {
    expect(refusalOf(Order, { coupon: 'X-1' })).toMatchObject({
      code: 'invalid_cursor',
      param: ['coupon'],
      message: 'Invalid "coupon": must start with C-',
    });
    expect(refusalOf(Order, { note: 'x' }).code).toBe('invalid_input');
  });

  it('reports input that is not an object at the root, with an empty path', () => {
    const error = refusalOf(Order, 'order');
    expect(error).toMatchObject({ code: 'invalid_input', param: [] });
    expect(error.message).toMatch(/^Invalid input: /);
  });

  it('reports an unknown parameter first, else the first issue, and counts the others', () => {
    const error = refusalOf(Order, { email: 'x', items: 'y', extra: 1 });
    expect(error.param).toEqual(['extra']);
    expect(error.details).toEqual({ issues: 3 });
    expect(refusalOf(Order, { email: 'x', items: 'y' }).param).toEqual(['email']);
    expect(refusalOf(Order, { email: 'x' }).details).toEqual({});
  });

  it('never lets a zod error escape', () => {
    for (const input of [null, undefined, 42, [], { items: [null] }, { items: [{}] }]) {
      expect(() => parseInput(Order, input)).toThrow(LedgerError);
    }
  });
});

describe('toLedgerError', () => {
  it('copes with an error without issues', () => {
    expect(toLedgerError(new z.ZodError([]))).toMatchObject({
      code: 'invalid_input',
      message: 'Invalid input',
    });
  });
});

describe('formatParam', () => {
  it('writes paths as callers write them', () => {
    expect(formatParam(['taxIds', 0, 'value'])).toBe('taxIds[0].value');
    expect(formatParam(['billingAddress', 'country'])).toBe('billingAddress.country');
    expect(formatParam([0])).toBe('[0]');
    expect(formatParam([])).toBe('');
  });
});
