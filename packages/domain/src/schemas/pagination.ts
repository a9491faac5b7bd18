import { z } from 'zod';

/**
 * Page size and offset. Typed as numbers for callers (tRPC), coerced at run time because a query
 * string carries them as text.
 */
export const limitSchema = z.coerce.number<number>().int().min(1).max(100).default(20);
export const offsetSchema = z.coerce.number<number>().int().min(0).max(1_000_000).default(0);

/** Offset or cursor paging: `limit` 1–100 (20), `offset`, or `startingAfter` an id. */
export function pageSchema<T extends z.ZodType<string>>(cursor: T) {
  return { limit: limitSchema, offset: offsetSchema, startingAfter: cursor.optional() };
}

/** Refuses offset and cursor paging in one request: the two would disagree about the start. */
export function oneStyleOfPaging(page: { offset: number; startingAfter?: string | undefined }) {
  return page.offset === 0 || page.startingAfter === undefined;
}

/** A page of a list, newest first, with both styles of continuation. */
export interface Page<T> {
  data: T[];
  pagination: {
    total: number;
    limit: number;
    offset: number;
    hasMore: boolean;
    nextCursor: string | null;
  };
}

/** What a store returns for one page before the service shapes it. */
export interface PageResult<T> {
  rows: T[];
  total: number;
  hasMore: boolean;
}

/** Shapes a store page into the documented list object. */
export function toPage<T extends { id: string }>(
  result: PageResult<T>,
  page: { limit: number; offset: number },
): Page<T> {
  const last = result.rows.at(-1);
  return {
    data: result.rows,
    pagination: {
      total: result.total,
      limit: page.limit,
      offset: page.offset,
      hasMore: result.hasMore,
      nextCursor: result.hasMore && last ? last.id : null,
    },
  };
}

/** A timestamp filter given as a Date (tRPC) or an ISO 8601 string (REST). */
export const timestampSchema = z.union([
  z.date(),
  z.iso.datetime({ offset: true }).transform((value) => new Date(value)),
]);
