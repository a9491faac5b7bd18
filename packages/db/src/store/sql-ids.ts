import { type Placeholder, type SQL, sql } from 'drizzle-orm';

/**
 * Crockford base32 as TypeID spells it: an id made in SQL must read like one made by `newId`,
 * so the API's id checks and the newest-first (time-ordered) listings accept it.
 */
const BASE32 = '0123456789abcdefghjkmnpqrstvwxyz';

/** The base32 digit of `(value >> shift) & 31`. */
function digit(value: SQL, shift: number): SQL {
  return sql`substr(${BASE32}, ((${value} >> ${sql.raw(String(shift))}) & 31)::int + 1, 1)`;
}

/**
 * The id of the `n`-th delivery (0-based, up to 2^20) of one event's fan-out: a fresh
 * `newId('webhookDelivery')` with its last four characters (the low 20 random bits of its UUIDv7)
 * replaced by `n`. So one statement can queue any number of deliveries, each with its own id,
 * still time-ordered and unique (the other 54 random bits stay the base's).
 */
export function fanOutId(base: string | Placeholder, n: SQL): SQL {
  return sql`left(${base}, -4) || ${digit(n, 15)} || ${digit(n, 10)} || ${digit(n, 5)} || ${digit(n, 0)}`;
}

/** The moment the statement runs this expression, in microseconds since the epoch. */
export const CLOCK_MICROS = sql`(extract(epoch FROM clock_timestamp()) * 1000000)::bigint`;

/**
 * `base` (a fresh `newId`) re-timed to `us` (microseconds since the epoch, an SQL expression;
 * RFC 9562 method 3: the sub-millisecond part in `rand_a`), its other 60 random bits kept. An id
 * timed by {@link CLOCK_MICROS} read after a row lock orders as the lock was granted: a journal
 * row's id made after the customer's row was locked sorts newest-first in the order the balance
 * moved. The rows of one statement take one clock reading plus their order in it, so they sort in
 * that order whatever order the statement computes them in.
 */
export function idAtMicros(base: string | SQL, micros: SQL): SQL {
  const us = sql`(${micros})`;
  const ms = sql`(${us} / 1000)`;
  const sub = sql`(${us} % 1000)`;
  const prefix = sql`split_part(${base}, '_', 1) || '_'`;
  const stamp = [45, 40, 35, 30, 25, 20, 15, 10, 5, 0].map((shift) => digit(ms, shift));
  // Char 10: version 7 and rand_a's top bit (0); 11–12: the microseconds' upper 9 bits; 13: their
  // last bit, the variant (10) and two zero bits; 14–25: the base's random bits.
  const tail = sql`'e' || ${digit(sub, 6)} || ${digit(sub, 1)}
    || substr(${BASE32}, (((${sub} & 1) << 4) | 8)::int + 1, 1) || right(${base}, 12)`;
  return sql`${prefix} || ${sql.join(stamp, sql` || `)} || ${tail}`;
}
