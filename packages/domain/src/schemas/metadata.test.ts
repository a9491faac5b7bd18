import { describe, expect, it } from 'vitest';
import { LedgerError } from '../errors.js';
import { parseInput } from '../validation.js';
import { METADATA_LIMITS, type Metadata, MetadataSchema, mergeMetadata } from './metadata.js';

/** `count` keys `k0`, `k1`, … with string values. */
function keys(count: number, prefix = 'k'): Metadata {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}${i}`, `v${i}`]));
}

function refusalOf(input: unknown): LedgerError {
  try {
    parseInput(MetadataSchema, input);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('metadata was accepted');
}

describe('MetadataSchema', () => {
  it('accepts flat and nested JSON values', () => {
    const metadata = {
      crm_id: 'A-1',
      seats: 12,
      vip: true,
      cleared: null,
      tags: ['a', 'b'],
      nested: { deeper: { list: [1, 2, { x: 'y' }] } },
    };
    expect(parseInput(MetadataSchema, metadata)).toEqual(metadata);
  });

  it('takes the documented limits (Stripe’s)', () => {
    expect(METADATA_LIMITS).toEqual({ maxKeys: 50, maxKeyLength: 40, maxValueJsonLength: 500 });
  });

  it('accepts 50 keys and refuses 51', () => {
    expect(Object.keys(parseInput(MetadataSchema, keys(50)))).toHaveLength(50);
    expect(refusalOf(keys(51)).code).toBe('invalid_metadata');
  });

  it('accepts keys of 1 to 40 characters', () => {
    const edge = { a: 1, ['k'.repeat(40)]: 2, 'with space.dot-dash_ü': 3 };
    expect(parseInput(MetadataSchema, edge)).toEqual(edge);
  });

  it.each(['', 'k'.repeat(41), 'a[b]', '[', ']', 'items[0]'])(
    'refuses the key %j with invalid_metadata naming it',
    (key) => {
      const error = refusalOf({ ok: 1, [key]: 'value' });
      expect(error.code).toBe('invalid_metadata');
      expect(error.param).toEqual([key]);
    },
  );

  it('measures a value by its JSON: 500 characters pass, 501 do not', () => {
    // A string's JSON adds its two quotes.
    expect(parseInput(MetadataSchema, { note: 'x'.repeat(498) })).toEqual({
      note: 'x'.repeat(498),
    });
    const long = refusalOf({ note: 'x'.repeat(499) });
    expect(long).toMatchObject({ code: 'invalid_metadata', param: ['note'] });
    // Escapes count as they are written: 250 quotes are 500 characters of JSON plus two.
    expect(refusalOf({ quotes: '"'.repeat(250) }).code).toBe('invalid_metadata');
    const bigObject = { list: Array.from({ length: 200 }, (_, i) => i) };
    expect(refusalOf(bigObject).code).toBe('invalid_metadata');
  });

  it.each([
    ['an array', ['a']],
    ['a string', 'a=b'],
    ['null', null],
  ])('refuses %s instead of an object', (_label, input) => {
    expect(refusalOf(input).code).toBe('invalid_input');
  });

  it('refuses values that are not JSON', () => {
    expect(refusalOf({ when: new Date(0) }).param).toEqual(['when']);
    expect(refusalOf({ n: Number.POSITIVE_INFINITY }).param).toEqual(['n']);
    expect(refusalOf({ f: () => 1 }).param).toEqual(['f']);
  });
});

describe('mergeMetadata', () => {
  it('replaces the keys given, keeps the others and removes keys set to null', () => {
    const current: Metadata = { crm: 'A-1', tier: 'gold', region: 'eu' };
    expect(mergeMetadata(current, { tier: 'platinum', region: null, added: [1] })).toEqual({
      crm: 'A-1',
      tier: 'platinum',
      added: [1],
    });
    expect(current).toEqual({ crm: 'A-1', tier: 'gold', region: 'eu' });
  });

  it('ignores null for a key that is not there', () => {
    expect(mergeMetadata({ a: 1 }, { missing: null })).toEqual({ a: 1 });
  });

  it('allows a result of 50 keys, counting removals first', () => {
    const full = keys(50);
    expect(Object.keys(mergeMetadata(full, { k0: null, fresh: 'x' }))).toHaveLength(50);
    expect(Object.keys(mergeMetadata(keys(49), { fresh: 'x' }))).toHaveLength(50);
  });

  it('refuses a result over 50 keys, though each side is within the limit', () => {
    let error: unknown;
    try {
      mergeMetadata(keys(30, 'a'), keys(21, 'b'));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({ code: 'invalid_metadata', param: ['metadata'] });
  });
});
