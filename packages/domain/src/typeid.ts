/** TypeID's base32 alphabet (Crockford's, lower case). */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random bytes drawn 4 KiB at a time: one system call per 409 ids, not one per id. */
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function randomBytes(count: number): number {
  if (poolAt + count > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  const at = poolAt;
  poolAt += count;
  return at;
}

/** The last timestamp and its counter: ids made in the same millisecond still sort in order. */
let lastMs = 0;
let seq = 0;

/** 16 bytes of a UUIDv7, written in place on every call. */
const uuid = new Uint8Array(16);

/**
 * A new UUIDv7 (RFC 9562) in {@link uuid}: the millisecond, then a 31-bit counter (RFC 9562 §6.2
 * method 1) started at random each millisecond and counted up within it, then random bits. Ids of
 * one process are strictly increasing, as `uuid`'s v7 makes them (a clock that steps back keeps
 * the last millisecond and counts on).
 */
function nextUuidV7(): Uint8Array {
  const r = randomBytes(10);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    seq = (((pool[r] as number) & 0x7f) << 24) | ((pool[r + 1] as number) << 16);
    seq |= ((pool[r + 2] as number) << 8) | (pool[r + 3] as number);
  } else if (++seq > 0x7fffffff) {
    seq = 0;
    lastMs++;
  }
  const ms = lastMs;
  uuid[0] = (ms / 0x10000000000) & 0xff;
  uuid[1] = (ms / 0x100000000) & 0xff;
  uuid[2] = (ms / 0x1000000) & 0xff;
  uuid[3] = (ms / 0x10000) & 0xff;
  uuid[4] = (ms / 0x100) & 0xff;
  uuid[5] = ms & 0xff;
  const high = seq >>> 19;
  const low = seq & 0x7ffff;
  uuid[6] = 0x70 | ((high >>> 8) & 0x0f);
  uuid[7] = high & 0xff;
  uuid[8] = 0x80 | ((low >>> 13) & 0x3f);
  uuid[9] = (low >>> 5) & 0xff;
  uuid[10] = ((low << 3) & 0xff) | ((pool[r + 4] as number) & 0x07);
  for (let i = 11; i < 16; i++) uuid[i] = pool[r + i - 6] as number;
  return uuid;
}

/**
 * The 26 characters of 16 bytes in TypeID's base32: the 128 bits after two zero bits, five at a
 * time (so the first character is 0–7).
 */
function encode(bytes: Uint8Array): string {
  let out = '';
  let pending = 0;
  let bits = 2;
  for (const byte of bytes) {
    pending = ((pending << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(pending >> bits) & 31];
    }
  }
  return out;
}

/**
 * A new TypeID suffix: a UUIDv7 in base32, what `typeid-js` makes. Made here because the
 * library builds a TypeID object, a UUID string, its bytes and a decoding check for every id:
 * 2–3% of a request's CPU for the request id alone. The tests hold it to `typeid-js`.
 */
export function newTypeIdSuffix(): string {
  return encode(nextUuidV7());
}

/** A well-formed TypeID suffix: 26 base32 characters, the first 0–7 (what `typeid-js` accepts). */
export const TYPEID_SUFFIX = '[0-7][0-9a-hjkmnp-tv-z]{25}';
