import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, test } from 'node:test';
import { isRepogateError } from '../../src/errors.js';
import { createClientAddress } from '../../src/http/client-address.js';

/** A request as the factory sees it: the TCP peer and the headers (node joins repeated X-Forwarded-For with ", "). */
function request(peer: string | undefined, forwardedFor?: string): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } } as unknown as IncomingMessage;
}

void describe('createClientAddress', () => {
  void test('without trusted proxies the client is the TCP peer, whatever X-Forwarded-For says', () => {
    const clientAddress = createClientAddress([]);
    assert.equal(clientAddress(request('198.51.100.4', '203.0.113.9')), '198.51.100.4');
    assert.equal(clientAddress(request('::1', '203.0.113.9')), '::1');
    assert.equal(clientAddress(request(undefined)), 'unknown');
  });

  const behindProxies = createClientAddress(['10.0.0.0/8', '2001:db8:aa::/48', '192.0.2.7']);

  void test('a peer that is not a trusted proxy is the client, and its X-Forwarded-For is ignored', () => {
    assert.equal(behindProxies(request('198.51.100.4', '203.0.113.9')), '198.51.100.4');
    assert.equal(behindProxies(request('192.0.2.8', '203.0.113.9')), '192.0.2.8', 'a single trusted address is one host, not a network');
  });

  void test('behind a trusted proxy, the rightmost untrusted address of X-Forwarded-For is the client', () => {
    assert.equal(behindProxies(request('10.1.2.3', '203.0.113.9')), '203.0.113.9');
    assert.equal(behindProxies(request('192.0.2.7', '203.0.113.9, 10.9.9.9')), '203.0.113.9', 'trusted hops are skipped');
    assert.equal(behindProxies(request('10.1.2.3', '2001:db8:ffff::5, 2001:db8:aa::1')), '2001:db8:ffff::5');
    assert.equal(behindProxies(request('::ffff:10.1.2.3', '203.0.113.9')), '203.0.113.9', 'an IPv4-mapped peer matches IPv4 networks');
  });

  void test('what the client wrote into X-Forwarded-For itself is ignored: spoofed addresses and garbage to its left', () => {
    assert.equal(behindProxies(request('10.1.2.3', '10.0.0.1, 203.0.113.9')), '203.0.113.9', 'a client cannot pose as a trusted proxy');
    assert.equal(behindProxies(request('10.1.2.3', '1.2.3.4, 5.6.7.8, 203.0.113.9')), '203.0.113.9');
    assert.equal(behindProxies(request('10.1.2.3', 'not an address, 203.0.113.9')), '203.0.113.9');
  });

  void test('when every entry is a trusted proxy, the leftmost one is the client', () => {
    assert.equal(behindProxies(request('10.1.2.3', '10.0.0.5, 10.0.0.6')), '10.0.0.5');
  });

  void test('a missing, empty or malformed header (where it is read) leaves the peer', () => {
    assert.equal(behindProxies(request('10.1.2.3')), '10.1.2.3');
    assert.equal(behindProxies(request('10.1.2.3', '')), '10.1.2.3');
    assert.equal(behindProxies(request('10.1.2.3', 'unknown')), '10.1.2.3');
    assert.equal(behindProxies(request('10.1.2.3', '203.0.113.9, ')), '10.1.2.3');
    assert.equal(behindProxies(request('10.1.2.3', '203.0.113.9, 10.0.0.1, bogus')), '10.1.2.3');
    assert.equal(behindProxies(request('10.1.2.3', '999.1.1.1')), '10.1.2.3');
    assert.equal(behindProxies(request(undefined, '203.0.113.9')), 'unknown');
  });

  void test('entries with a port, and bracketed IPv6, as some proxies write them', () => {
    assert.equal(behindProxies(request('10.1.2.3', '203.0.113.9:51234')), '203.0.113.9');
    assert.equal(behindProxies(request('10.1.2.3', '[2001:db8:ffff::5]:51234')), '2001:db8:ffff::5');
    assert.equal(behindProxies(request('10.1.2.3', '[2001:db8:ffff::5]')), '2001:db8:ffff::5');
  });

  void test('a malformed network is refused when the function is made', () => {
    assert.throws(
      () => createClientAddress(['10.0.0.0/33']),
      (error: unknown) => isRepogateError(error) && error.code === 'VALIDATION',
    );
  });
});
