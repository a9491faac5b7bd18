import { describe, expect, it } from 'vitest';
import { LedgerError } from '../errors.js';
import type { Tier } from './model.js';
import { priceTiers, sortTiers } from './pricing.js';

type Row = [quantity: number, expected: number];

function tiers(type: Tier['type'], rows: Array<[number, number, number]>): Tier[] {
  return rows.map(([upTo, unitAmount, flatAmount]) => ({
    featureKey: 'calls',
    type,
    upTo,
    unitAmount,
    flatAmount,
  }));
}

/** Every order of `items` (the tables have three tiers: six orders). */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

// Units 1–100 at 10 (+50 once reached), 101–1000 at 5 (+200 once reached), 1001+ at 2 (+1000).
const graduated = tiers('graduated', [
  [100, 10, 50],
  [1000, 5, 200],
  [-1, 2, 1000],
]);
const graduatedTable: Row[] = [
  [0, 0], // no unit, no tier reached
  [1, 10 + 50],
  [99, 990 + 50],
  [100, 1000 + 50], // boundary: tier 2 not reached yet
  [101, 1050 + 5 + 200],
  [500, 1050 + 400 * 5 + 200],
  [1000, 1050 + 900 * 5 + 200], // 5750
  [1001, 5750 + 2 + 1000],
  [1_000_000, 5750 + 999_000 * 2 + 1000], // 2_004_750
];

// All units at the tier the quantity falls in, plus that tier's flat amount.
const volume = tiers('volume', [
  [100, 10, 25],
  [1000, 8, 100],
  [-1, 5, 500],
]);
const volumeTable: Row[] = [
  [0, 25], // 0 falls in the first tier: its flat amount only
  [1, 10 + 25],
  [100, 1000 + 25],
  [101, 101 * 8 + 100], // the whole quantity drops to the cheaper tier
  [999, 999 * 8 + 100],
  [1000, 8000 + 100],
  [1001, 1001 * 5 + 500],
  [1_000_000, 5_000_000 + 500],
];

// The flat amount of the tier the quantity falls in; unit amounts play no part.
const flat = tiers('flat', [
  [10, 7, 0],
  [100, 7, 1500],
  [-1, 7, 4000],
]);
const flatTable: Row[] = [
  [0, 0],
  [1, 0],
  [10, 0],
  [11, 1500],
  [100, 1500],
  [101, 4000],
  [1_000_000_000, 4000],
];

describe('priceTiers: hand-computed tables (REST.md tier pricing)', () => {
  it.each(graduatedTable)('graduated: %i units cost %i', (quantity, expected) => {
    expect(priceTiers(graduated, quantity)).toBe(expected);
  });

  it.each(volumeTable)('volume: %i units cost %i', (quantity, expected) => {
    expect(priceTiers(volume, quantity)).toBe(expected);
  });

  it.each(flatTable)('flat: %i units cost %i', (quantity, expected) => {
    expect(priceTiers(flat, quantity)).toBe(expected);
  });

  it('prices the same whatever order the tiers come in', () => {
    for (const [table, rows] of [
      [graduated, graduatedTable],
      [volume, volumeTable],
      [flat, flatTable],
    ] as const) {
      for (const order of permutations(table)) {
        for (const [quantity, expected] of rows) {
          expect(priceTiers(order, quantity), `${order[0]?.type} ${quantity}`).toBe(expected);
        }
      }
    }
  });

  it('sortTiers puts the open tier last and leaves its input alone', () => {
    const shuffled = [graduated[2], graduated[0], graduated[1]] as Tier[];
    expect(sortTiers(shuffled).map((t) => t.upTo)).toEqual([100, 1000, -1]);
    expect(shuffled.map((t) => t.upTo)).toEqual([-1, 100, 1000]);
  });

  it('a single open tier is a plain unit price; no tiers cost nothing', () => {
    const single = tiers('graduated', [[-1, 3, 0]]);
    expect(priceTiers(single, 0)).toBe(0);
    expect(priceTiers(single, 7)).toBe(21);
    expect(priceTiers(tiers('volume', [[-1, 3, 100]]), 7)).toBe(121);
    expect(priceTiers([], 1_000)).toBe(0);
  });

  it('a graduated tier of one unit is reached by exactly that unit', () => {
    const steps = tiers('graduated', [
      [1, 100, 0],
      [2, 50, 0],
      [-1, 1, 0],
    ]);
    expect([0, 1, 2, 3, 10].map((q) => priceTiers(steps, q))).toEqual([0, 100, 150, 151, 158]);
  });

  it('refuses a charge beyond the storable range instead of losing precision', () => {
    const dear = tiers('volume', [[-1, 999_999_999_999, 0]]);
    expect(() => priceTiers(dear, 999_999_999_999)).toThrow(LedgerError);
    expect(priceTiers(dear, 9_007)).toBe(9_007 * 999_999_999_999);
  });
});
