import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LedgerError } from './errors.js';
import { MetadataSchema } from './schemas/metadata.js';
import { checkInputShape, isUnstorableString, MAX_INPUT_DEPTH, parseInput } from './validation.js';

function refusalOf(input: unknown, schema: z.ZodType = z.unknown()): LedgerError {
  try {
    parseInput(schema, input);
  } catch (error) {
    if (error instanceof LedgerError) return error;
    throw error;
  }
  throw new Error('input was accepted');
}

/** `levels` arrays nested in each other around `inner`. */
function nested(levels: number, inner: unknown = 'x'): unknown {
  let value = inner;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('isUnstorableString', () => {
  it('finds a NUL and unpaired surrogates, and accepts pairs', () => {
    expect(isUnstorableString('plain text, émoji \u{1F600}')).toBe(false);
    expect(isUnstorableString('')).toBe(false);
    expect(isUnstorableString('a\u0000b')).toBe(true);
    expect(isUnstorableString('\ud800')).toBe(true);
    expect(isUnstorableString('x\ud83dy')).toBe(true);
    expect(isUnstorableString('\udc00')).toBe(true);
    expect(isUnstorableString('\ude00\ud83d')).toBe(true);
    expect(isUnstorableString('\ud83d\ude00\ud83d')).toBe(true);
  });
});

describe('parseInput refuses unstorable strings before the schema', () => {
  it('names a string value at any depth by its path', () => {
    expect(refusalOf({ name: 'a\u0000' })).toMatchObject({
      code: 'invalid_input',
      param: ['name'],
      message: expect.stringMatching(/^Invalid "name": .*NUL/),
    });
    expect(refusalOf({ taxIds: [{ value: 'ok' }, { value: '\ud800' }] })).toMatchObject({
      code: 'invalid_input',
      param: ['taxIds', 1, 'value'],
    });
    expect(refusalOf(['ok', 'b\u0000'])).toMatchObject({ param: [1] });
    expect(refusalOf('\u0000')).toMatchObject({ code: 'invalid_input', param: [] });
  });

  it('names an object key with the key itself', () => {
    expect(refusalOf({ metadata: { ok: 1, 'a\u0000b': 'v' } })).toMatchObject({
      code: 'invalid_input',
      param: ['metadata', 'a\u0000b'],
    });
    expect(refusalOf({ '\udfff': 1 })).toMatchObject({ param: ['\udfff'] });
  });

  it('runs before the schema, even one that would accept the string', () => {
    expect(
      refusalOf({ metadata: { k: 'v\u0000' } }, z.object({ metadata: MetadataSchema })),
    ).toMatchObject({ code: 'invalid_input', param: ['metadata', 'k'] });
  });

  it('leaves dates, numbers and well-formed text alone', () => {
    const input = { at: new Date(0), n: 1, s: 'ü \u{1F600}', list: [null, true, { k: 'v' }] };
    expect(parseInput(z.unknown(), input)).toBe(input);
  });
});

describe('parseInput refuses deep nesting without recursing', () => {
  it(`accepts ${MAX_INPUT_DEPTH} levels and refuses ${MAX_INPUT_DEPTH + 1}, naming the path`, () => {
    expect(() => checkInputShape(nested(MAX_INPUT_DEPTH))).not.toThrow();
    const error = refusalOf({ metadata: { k: nested(MAX_INPUT_DEPTH - 1) } });
    expect(error.code).toBe('invalid_input');
    expect(error.param?.slice(0, 3)).toEqual(['metadata', 'k', 0]);
    expect(error.param).toHaveLength(MAX_INPUT_DEPTH);
    expect(error.message).toMatch(/deeper than 32 levels/);
  });

  it('walks 300 000 levels without a stack overflow', () => {
    const deep = nested(300_000);
    expect(refusalOf(deep, z.array(z.unknown()))).toMatchObject({ code: 'invalid_input' });
    let object: unknown = 'x';
    for (let i = 0; i < 300_000; i++) object = { a: object };
    expect(refusalOf(object)).toMatchObject({ code: 'invalid_input' });
  });

  it('visits a shared object once, so aliasing cannot make the walk exponential', () => {
    let value: unknown = { leaf: 'x' };
    for (let i = 0; i < 30; i++) value = [value, value];
    expect(() => checkInputShape(value)).not.toThrow();
  });
});
