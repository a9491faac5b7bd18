import { describe, expect, it } from 'vitest';
import { isLocalHostname, isPublicAddress, parseIpLiteral } from './addresses.js';

describe('isPublicAddress: IPv4', () => {
  it.each([
    ['0.0.0.0', '"this network" 0/8'],
    ['0.255.255.255', '0/8, last'],
    ['10.0.0.0', 'private 10/8'],
    ['10.255.255.255', 'private 10/8, last'],
    ['100.64.0.0', 'CGNAT 100.64/10'],
    ['100.127.255.255', 'CGNAT, last'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback 127/8, not just .1'],
    ['169.254.169.254', 'link-local (cloud metadata)'],
    ['172.16.0.0', 'private 172.16/12, first'],
    ['172.31.255.255', 'private 172.16/12, last'],
    ['192.168.0.1', 'private 192.168/16'],
    ['192.168.255.255', 'private 192.168/16, last'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['198.18.0.1', 'benchmarking'],
    ['192.0.2.1', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast, last'],
    ['240.0.0.1', 'reserved 240/4'],
    ['255.255.255.255', 'broadcast'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['9.255.255.255'],
    ['11.0.0.0'],
    ['100.63.255.255'],
    ['100.128.0.0'],
    ['126.255.255.255'],
    ['128.0.0.0'],
    ['169.253.255.255'],
    ['169.255.0.0'],
    ['172.15.255.255'],
    ['172.32.0.0'],
    ['192.167.255.255'],
    ['192.169.0.0'],
    ['223.255.255.255'],
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('isPublicAddress: IPv6', () => {
  it.each([
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback, uncompressed'],
    ['::', 'unspecified'],
    ['fc00::1', 'unique local fc00::/7'],
    ['fdff:ffff::1', 'unique local, fd half'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local fe80::/10, last'],
    ['fe80::1%eth0', 'link-local with a zone id'],
    ['2606:4700:4700::1111%eth0', 'any address with a zone id is scoped'],
    ['ff02::1', 'multicast'],
    ['ff0e::1', 'global-scope multicast is still multicast'],
    ['[::1]', 'loopback, URL brackets'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['::ffff:127.0.0.1', 'mapped loopback'],
    ['::ffff:7f00:1', 'mapped loopback, hex (as WHATWG URL writes it)'],
    ['[::ffff:7f00:1]', 'mapped loopback, bracketed'],
    ['::FFFF:10.0.0.1', 'mapped private, uppercase'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'mapped link-local, uncompressed'],
    ['::127.0.0.1', 'IPv4-compatible loopback'],
    ['::a00:1', 'IPv4-compatible private, hex'],
    ['64:ff9b::127.0.0.1', 'NAT64 to loopback'],
    ['64:ff9b::a9fe:a9fe', 'NAT64 to link-local, hex'],
    ['64:ff9b:1::8.8.8.8', 'local-use NAT64'],
    ['2002:a00:1::', '6to4 around 10.0.0.1'],
  ])('%s is not public (%s)', (ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });

  it.each([
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
    ['[2606:4700:4700::1111]'],
    ['::ffff:8.8.8.8'],
    ['::ffff:808:808'],
    ['64:ff9b::8.8.8.8'],
    ['2002:808:808::1'],
    ['fbff::1'],
    ['fe7f::1'],
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });
});

describe('isPublicAddress: not an IP literal', () => {
  it.each([
    'example.com',
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.0.0.1',
    '010.0.0.1',
    '0x7f.0.0.1',
    '1::2::3',
    ':::1',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7::8',
    'g::1',
    '12345::1',
    '1.2.3.4::1',
    'fe80::1%',
  ])('%j is false', (text) => {
    expect(isPublicAddress(text)).toBe(false);
  });
});

describe('parseIpLiteral', () => {
  it.each([
    ['8.8.8.8', '8.8.8.8'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['[2606:4700:4700::1111]', '2606:4700:4700::1111'],
    ['2606:4700:4700:0:0:0:0:1111', '2606:4700:4700::1111'],
    ['2001:0DB8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::', '::'],
  ])('%s is %s', (host, literal) => {
    expect(parseIpLiteral(host)).toBe(literal);
  });

  it.each(['example.com', 'localhost', '1.2.3', '999.1.1.1', '[example.com]', '1::2::3', ''])(
    '%j is a name, not a literal',
    (host) => {
      expect(parseIpLiteral(host)).toBeNull();
    },
  );

  it('reads what WHATWG URL leaves in hostname', () => {
    expect(parseIpLiteral(new URL('http://0x7f.1/').hostname)).toBe('127.0.0.1');
    expect(parseIpLiteral(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe('::ffff:7f00:1');
    expect(isPublicAddress(new URL('http://[::ffff:127.0.0.1]:8080/').hostname)).toBe(false);
  });
});

describe('isLocalHostname', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'api.localhost', 'a.b.LocalHost.'])(
    '%s is local',
    (host) => {
      expect(isLocalHostname(host)).toBe(true);
    },
  );

  it.each(['example.com', 'localhost.example.com', 'notlocalhost', 'mylocalhost', ''])(
    '%j is not',
    (host) => {
      expect(isLocalHostname(host)).toBe(false);
    },
  );
});
