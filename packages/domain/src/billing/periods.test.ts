import { describe, expect, it } from 'vitest';
import { addDays, addPeriod, nextBoundary } from './periods.js';

const at = (iso: string) => new Date(iso);

describe('addPeriod', () => {
  it.each([
    ['2026-01-31T10:30:00.000Z', '2026-02-28T10:30:00.000Z'],
    ['2028-01-31T10:30:00.000Z', '2028-02-29T10:30:00.000Z'],
    ['2028-01-30T00:00:00.000Z', '2028-02-29T00:00:00.000Z'],
    ['2026-03-31T23:59:59.999Z', '2026-04-30T23:59:59.999Z'],
    ['2026-01-15T12:00:00.000Z', '2026-02-15T12:00:00.000Z'],
    ['2026-12-31T08:00:00.000Z', '2027-01-31T08:00:00.000Z'],
    ['2026-02-28T00:00:00.000Z', '2026-03-28T00:00:00.000Z'],
  ])('monthly: %s → %s (clamped to the month’s last day, time kept)', (from, to) => {
    expect(addPeriod(at(from), 'monthly').toISOString()).toBe(to);
  });

  it('counts months from the start, so Jan 31 + 2 months is Mar 31, not Mar 28', () => {
    expect(addPeriod(at('2026-01-31T00:00:00.000Z'), 'monthly', 2).toISOString()).toBe(
      '2026-03-31T00:00:00.000Z',
    );
    expect(addPeriod(at('2026-01-31T00:00:00.000Z'), 'monthly', 13).toISOString()).toBe(
      '2027-02-28T00:00:00.000Z',
    );
  });

  it('yearly from Feb 29 lands on Feb 28, and on Feb 29 again in the next leap year', () => {
    const leap = at('2028-02-29T09:00:00.000Z');
    expect(addPeriod(leap, 'yearly').toISOString()).toBe('2029-02-28T09:00:00.000Z');
    expect(addPeriod(leap, 'yearly', 4).toISOString()).toBe('2032-02-29T09:00:00.000Z');
    expect(addPeriod(at('2026-07-04T00:00:00.000Z'), 'yearly').toISOString()).toBe(
      '2027-07-04T00:00:00.000Z',
    );
  });

  it('does not mutate its input', () => {
    const start = at('2026-01-31T00:00:00.000Z');
    addPeriod(start, 'monthly');
    expect(start.toISOString()).toBe('2026-01-31T00:00:00.000Z');
  });
});

describe('addDays', () => {
  it('adds whole days of 24 hours (UTC, no DST)', () => {
    expect(addDays(at('2026-03-28T12:00:00.000Z'), 14).toISOString()).toBe(
      '2026-04-11T12:00:00.000Z',
    );
    expect(addDays(at('2026-03-28T12:00:00.000Z'), 0).toISOString()).toBe(
      '2026-03-28T12:00:00.000Z',
    );
  });
});

describe('nextBoundary', () => {
  const anchor = new Date('2027-01-31T10:00:00.000Z');
  it('keeps the anchor day through short months instead of drifting', () => {
    const ends: string[] = [];
    let end = anchor;
    for (let i = 0; i < 4; i++) {
      end = nextBoundary(anchor, 'monthly', end);
      ends.push(end.toISOString().slice(0, 10));
    }
    expect(ends).toEqual(['2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31']);
  });

  it('jumps straight to the first boundary after a long gap, and handles yearly periods', () => {
    expect(nextBoundary(anchor, 'monthly', new Date('2029-07-15T00:00:00Z')).toISOString()).toBe(
      '2029-07-31T10:00:00.000Z',
    );
    expect(
      nextBoundary(anchor, 'monthly', new Date('2027-03-31T10:00:00.000Z')).toISOString(),
    ).toBe('2027-04-30T10:00:00.000Z');
    const leap = new Date('2028-02-29T00:00:00.000Z');
    expect(nextBoundary(leap, 'yearly', leap).toISOString()).toBe('2029-02-28T00:00:00.000Z');
    expect(nextBoundary(leap, 'yearly', new Date('2031-06-01T00:00:00Z')).toISOString()).toBe(
      '2032-02-29T00:00:00.000Z',
    );
  });
});
