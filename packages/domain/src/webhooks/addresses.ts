/**
 * Which network addresses a webhook may be delivered to. A webhook URL is chosen by a customer,
 * so without this rule a delivery could be aimed at Ledger's own network (a metadata service, a
 * database's HTTP port, an admin page on loopback): server-side request forgery. Pure string
 * and number work, no `node:` imports, so any runtime that hosts the domain can use it.
 */

/** An IPv4 range: the network's address as an unsigned 32-bit number and its prefix length. */
type Range4 = readonly [base: number, prefix: number];

function v4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * The IPv4 ranges that are not globally reachable: IANA's special-purpose registry (RFC 6890
 * and its updates) "Globally Reachable: False" rows, plus multicast and the reserved 240/4.
 */
const NON_PUBLIC_V4: readonly Range4[] = [
  [v4(0, 0, 0, 0), 8], // "this network"
  [v4(10, 0, 0, 0), 8], // private
  [v4(100, 64, 0, 0), 10], // carrier-grade NAT
  [v4(127, 0, 0, 0), 8], // loopback
  [v4(169, 254, 0, 0), 16], // link-local (cloud metadata services live here)
  [v4(172, 16, 0, 0), 12], // private
  [v4(192, 0, 0, 0), 24], // IETF protocol assignments
  [v4(192, 0, 2, 0), 24], // documentation
  [v4(192, 168, 0, 0), 16], // private
  [v4(198, 18, 0, 0), 15], // benchmarking
  [v4(198, 51, 100, 0), 24], // documentation
  [v4(203, 0, 113, 0), 24], // documentation
  [v4(224, 0, 0, 0), 4], // multicast
  [v4(240, 0, 0, 0), 4], // reserved, and 255.255.255.255 broadcast within it
];

function inRange(ip: number, [base, prefix]: Range4): boolean {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return (ip & mask) >>> 0 === base;
}

/** A decimal octet exactly as Node's `net.isIPv4` spells one: no sign, no leading zero. */
const OCTET = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]\d|\d)$/;

/**
 * A dotted quad as a 32-bit number, or null. Only the strict form: `0x7f.1` or `0177.0.0.1` are
 * hostnames here, as they are to Node, which then resolves them (and the resolver's answer is
 * what gets checked).
 */
function parseV4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!OCTET.test(part)) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

const HEX_GROUP = /^[0-9a-f]{1,4}$/;
const ZONE = /^[\w.~-]+$/;

/** An IPv6 address as its eight 16-bit groups, with its zone id (`%eth0`) if it had one. */
interface V6 {
  groups: number[];
  zone: string | null;
}

function hexGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const tail = parseV4(part);
      if (tail === null) return null;
      groups.push(tail >>> 16, tail & 0xffff);
    } else if (HEX_GROUP.test(part)) {
      groups.push(Number.parseInt(part, 16));
    } else {
      return null;
    }
  }
  return groups;
}

function parseV6(literal: string): V6 | null {
  const percent = literal.indexOf('%');
  const address = (percent < 0 ? literal : literal.slice(0, percent)).toLowerCase();
  const zone = percent < 0 ? null : literal.slice(percent + 1);
  if (zone !== null && !ZONE.test(zone)) return null;
  const gap = address.indexOf('::');
  if (gap !== address.lastIndexOf('::')) return null;
  if (gap < 0) {
    const groups = hexGroups(address);
    return groups?.length === 8 ? { groups, zone } : null;
  }
  const head = hexGroups(address.slice(0, gap));
  const tail = hexGroups(address.slice(gap + 2));
  if (!head || !tail || head.length + tail.length > 7) return null;
  // An embedded IPv4 tail belongs at the end only (hexGroups accepts it in the last part).
  if (head.length > 0 && address.slice(0, gap).includes('.')) return null;
  const zeros = new Array<number>(8 - head.length - tail.length).fill(0);
  return { groups: [...head, ...zeros, ...tail], zone };
}

/** RFC 5952's text for an address: lowercase, no leading zeros, the longest zero run as `::`. */
function formatV6({ groups, zone }: V6): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; ) {
    let end = start;
    while (end < 8 && groups[end] === 0) end++;
    if (end - start > bestLength) {
      bestStart = start;
      bestLength = end - start;
    }
    start = end === start ? start + 1 : end;
  }
  const hex = groups.map((group) => group.toString(16));
  const text =
    bestStart < 0
      ? hex.join(':')
      : `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
  return zone === null ? text : `${text}%${zone}`;
}

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The normalised text of an IP literal (a dotted quad, or an IPv6 address with or without URL
 * brackets, `::` compression, an IPv4 tail or a zone id), or null when `host` is a name. Callers
 * pass `new URL(u).hostname`, which has already turned odd IPv4 spellings (`0x7f.1`) into a
 * dotted quad; a null here means the host must be resolved before it can be judged.
 */
export function parseIpLiteral(host: string): string | null {
  const text = unbracket(host);
  const quad = parseV4(text);
  if (quad !== null) {
    return [quad >>> 24, (quad >>> 16) & 0xff, (quad >>> 8) & 0xff, quad & 0xff].join('.');
  }
  if (!text.includes(':')) return null;
  const v6 = parseV6(text);
  return v6 ? formatV6(v6) : null;
}

function isPublicV4(ip: number): boolean {
  return !NON_PUBLIC_V4.some((range) => inRange(ip, range));
}

/** The IPv4 address in the low 32 bits of an IPv6 address. */
function low32(groups: readonly number[]): number {
  return (((groups[6] ?? 0) << 16) | (groups[7] ?? 0)) >>> 0;
}

function isPublicV6({ groups, zone }: V6): boolean {
  // A zone id only means something on a link: the address is scoped, never the internet's.
  if (zone !== null) return false;
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0] = groups;
  const upper80Zero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible, which covers :: and ::1): the IPv4 decides.
  if (upper80Zero && (g5 === 0xffff || g5 === 0)) return isPublicV4(low32(groups));
  // NAT64's well-known 64:ff9b::/96 reaches the embedded IPv4. The rest of 64:ff9b::/32 holds
  // 64:ff9b:1::/48, for local-use translators (RFC 8215), and nothing public.
  if (g0 === 0x64 && g1 === 0xff9b) {
    return g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0 && isPublicV4(low32(groups));
  }
  if (g0 === 0x2002) {
    // 6to4 carries an IPv4 address in bits 16..48; a private one leads back inside.
    return isPublicV4(((g1 << 16) | g2) >>> 0);
  }
  if ((g0 & 0xfe00) === 0xfc00) return false; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return false; // fe80::/10 link-local
  if ((g0 & 0xffc0) === 0xfec0) return false; // fec0::/10 site-local (deprecated, still routed inside)
  if ((g0 & 0xff00) === 0xff00) return false; // ff00::/8 multicast
  return true;
}

/**
 * Whether a webhook may be sent to the IP literal `ip` (see `parseIpLiteral` for the forms
 * accepted). Only addresses on the public internet qualify: loopback, private, CGNAT,
 * link-local, multicast, reserved and unspecified ranges of both families do not, and an IPv6
 * address that embeds an IPv4 one (mapped, compatible, NAT64, 6to4) is judged by the IPv4 one,
 * since that is where the packets end up. Anything that is not an IP literal is false: this
 * function never says yes to something it could not read.
 */
export function isPublicAddress(ip: string): boolean {
  const text = unbracket(ip);
  const quad = parseV4(text);
  if (quad !== null) return isPublicV4(quad);
  const v6 = text.includes(':') ? parseV6(text) : null;
  return v6 ? isPublicV6(v6) : false;
}

/**
 * Whether `host` is a name for this machine: `localhost` and every `*.localhost` (RFC 6761
 * reserves them for loopback, and resolvers may answer them without asking DNS), in any case,
 * with or without the trailing root dot. Refused before any lookup so no resolver is trusted
 * with them.
 */
export function isLocalHostname(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}
