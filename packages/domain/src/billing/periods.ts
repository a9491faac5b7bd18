/** Length of a billing period. */
export type Period = 'monthly' | 'yearly';

/**
 * `start` plus one period, by calendar (UTC): Jan 31 + 1 month is Feb 28/29, as customers expect
 * from a monthly bill, never Mar 3.
 */
export function addPeriod(start: Date, period: Period, count = 1): Date {
  const months = period === 'monthly' ? count : 12 * count;
  const target = new Date(start.getTime());
  const day = start.getUTCDate();
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(
    Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
  ).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target;
}

/** `start` plus whole days. */
export function addDays(start: Date, days: number): Date {
  return new Date(start.getTime() + days * 86_400_000);
}

/**
 * The first period boundary after `after`, counted from `anchor`: boundaries are
 * `anchor + n periods`, so a subscription started on Jan 31 renews Feb 28, then Mar 31, never
 * drifting to the 28th (as a chain of "previous end + 1 month" would).
 */
export function nextBoundary(anchor: Date, period: Period, after: Date): Date {
  const months = period === 'monthly' ? 1 : 12;
  const elapsed =
    (after.getUTCFullYear() - anchor.getUTCFullYear()) * 12 +
    (after.getUTCMonth() - anchor.getUTCMonth());
  let n = Math.max(1, Math.floor(elapsed / months));
  while (n > 1 && addPeriod(anchor, period, n - 1) > after) n--;
  while (addPeriod(anchor, period, n) <= after) n++;
  return addPeriod(anchor, period, n);
}
