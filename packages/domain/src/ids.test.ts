import { TypeID } from 'typeid-js';
import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, type IdKind, idSchema, isId, newId } from './ids.js';
import { parseInput } from './validation.js';

const KINDS = Object.keys(ID_PREFIXES) as IdKind[];

describe('ids', () => {
  it('uses the documented prefixes', () => {
    expect(ID_PREFIXES).toMatchObject({
      customer: 'cus',
      paymentMethod: 'pm',
      balanceTransaction: 'cbtxn',
      event: 'evt',
      plan: 'plan',
      subscription: 'sub',
      invoice: 'inv',
      lineItem: 'li',
      payment: 'pay',
      usageEvent: 'use',
      entitlementCheck: 'echk',
      portalSession: 'bps',
      webhookEndpoint: 'we',
      apiKey: 'key',
    });
    expect(new Set(Object.values(ID_PREFIXES)).size).toBe(KINDS.length);
  });

  it.each(KINDS)('makes %s ids as prefix_ plus 26 base32 characters', (kind) => {
    const id = newId(kind);
    expect(id).toMatch(new RegExp(`^${ID_PREFIXES[kind]}_[0-7][0-9a-hjkmnp-tv-z]{25}$`));
    expect(isId(kind, id)).toBe(true);
  });

  it('makes what typeid-js makes: a UUIDv7 of now, in its base32', () => {
    const before = Date.now();
    const id = newId('customer');
    const uuid = TypeID.fromString(id, 'cus').toUUID();
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const ms = Number.parseInt(uuid.replace(/-/g, '').slice(0, 12), 16);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(ms).toBeLessThanOrEqual(Date.now());
    expect(TypeID.fromUUID('cus', uuid).toString()).toBe(id);
  });

  it('makes ids that sort in the order they were made, within a millisecond too', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('event'));
    expect(ids.every((id, i) => i === 0 || (ids[i - 1] as string) < id)).toBe(true);
    expect(new Set(ids.map((id) => id.slice(0, 14))).size).toBeLessThan(ids.length);
  });

  it('accepts exactly what typeid-js accepts', () => {
    const valid: string = newId('customer');
    const alphabet = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-. ';
    const candidates = [valid];
    for (let at = 0; at < valid.length; at++) {
      for (const char of alphabet) candidates.push(valid.slice(0, at) + char + valid.slice(at + 1));
      candidates.push(valid.slice(0, at) + valid.slice(at + 1));
    }
    let accepted = 0;
    for (const value of candidates) {
      let reference = true;
      try {
        TypeID.fromString(value, 'cus');
      } catch {
        reference = false;
      }
      expect(isId('customer', value), value).toBe(reference);
      if (reference) accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('makes distinct ids', () => {
    const ids = Array.from({ length: 1000 }, () => newId('customer'));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses an id with another prefix', () => {
    const customer = newId('customer');
    expect(isId('paymentMethod', customer)).toBe(false);
    expect(isId('customer', newId('paymentMethod'))).toBe(false);
    expect(isId('customer', customer.replace(/^cus_/, 'cust_'))).toBe(false);
    expect(isId('customer', customer.replace(/^cus_/, ''))).toBe(false);
  });

  it.each([
    '',
    'cus_',
    'cus',
    'cus_123',
    'cus_01jd0000000000000000000000x',
    'cus_01JD4Z3KX4YHQ5C4XMGGMY3RB8',
    'cus_81jd4z3kx4yhq5c4xmggmy3rb8',
    'cus_01jd4z3kx4yhq5c4xmggmy3rbu',
    'cus-01jd4z3kx4yhq5c4xmggmy3rb8',
    ' cus_01jd4z3kx4yhq5c4xmggmy3rb8',
  ])('refuses the malformed id %j', (value) => {
    expect(isId('customer', value)).toBe(false);
  });

  it('accepts a well-formed id written elsewhere', () => {
    expect(isId('customer', 'cus_01jd4z3kx4yhq5c4xmggmy3rb8')).toBe(true);
  });

  it('validates ids as invalid_id naming the parameter, never throwing anything else', () => {
    const schema = idSchema('customer');
    const id = newId('customer');
    expect(parseInput(schema, id)).toBe(id);
    for (const bad of ['nope', newId('invoice'), 'cus_01JD4Z3KX4YHQ5C4XMGGMY3RB8']) {
      expect(() => parseInput(schema, bad)).toThrow(
        expect.objectContaining({ code: 'invalid_id', message: expect.stringContaining('cus_') }),
      );
    }
  });

  it('sorts ids created later after earlier ones, as plain strings', async () => {
    const burst = Array.from({ length: 5000 }, () => newId('event'));
    expect([...burst].sort()).toEqual(burst);
    // Across ticks and milliseconds too.
    const spaced: string[] = [];
    for (let i = 0; i < 5; i++) {
      spaced.push(newId('customer'));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect([...spaced].sort()).toEqual(spaced);
    const earlier = newId('balanceTransaction');
    const later = newId('balanceTransaction');
    expect(later > earlier).toBe(true);
  });
});
