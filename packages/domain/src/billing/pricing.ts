import { LedgerError } from '../errors.js';
import type { Tier } from './model.js';

function exact(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(-Number.MAX_SAFE_INTEGER)) {
    throw new LedgerError('balance_out_of_range', 'A usage charge would leave the storable range');
  }
  return Number(value);
}

/** Tiers in order of their upper bound, the open tier (`upTo: -1`) last. */
export function sortTiers(tiers: readonly Tier[]): Tier[] {
  const bound = (tier: Tier) => (tier.upTo === -1 ? Number.POSITIVE_INFINITY : tier.upTo);
  return [...tiers].sort((a, b) => bound(a) - bound(b));
}

function tierFor(tiers: Tier[], quantity: number): Tier | undefined {
  return tiers.find((tier) => tier.upTo === -1 || quantity <= tier.upTo) ?? tiers.at(-1);
}

/**
 * The price, in minor units, of `quantity` units of one feature under its tiers (REST.md):
 * `graduated` prices each unit at the tier it falls in and adds each reached tier's flat amount;
 * `volume` prices all units at the tier the quantity falls in plus that tier's flat amount;
 * `flat` charges the flat amount of the tier the quantity falls in. Integer arithmetic only.
 */
export function priceTiers(tiers: readonly Tier[], quantity: number): number {
  const ordered = sortTiers(tiers);
  const first = ordered[0];
  if (!first) return 0;
  if (first.type === 'graduated') {
    let total = 0n;
    let below = 0;
    for (const tier of ordered) {
      if (quantity <= below) break;
      const top = tier.upTo === -1 ? quantity : Math.min(quantity, tier.upTo);
      const units = top - below;
      total += BigInt(units) * BigInt(tier.unitAmount) + BigInt(tier.flatAmount);
      below = top;
    }
    return exact(total);
  }
  const tier = tierFor(ordered, quantity);
  if (!tier) return 0;
  if (first.type === 'flat') return tier.flatAmount;
  return exact(BigInt(quantity) * BigInt(tier.unitAmount) + BigInt(tier.flatAmount));
}
