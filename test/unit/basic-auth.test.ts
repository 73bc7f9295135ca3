import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { maxAuthorizationLength, parseBasicAuthorization } from '../../src/access/basic-auth.js';

const publicKey = '0123456789abcdef0123456789abcdef';
const privateKey = 'fedcba9876543210fedcba9876543210';
const encode = (text: string): string => Buffer.from(text, 'utf8').toString('base64');
const valid = `Basic ${encode(`${publicKey}:${privateKey}`)}`;

void describe('parsing a Basic Authorization header', () => {
  void test('a key pair', () => {
    assert.deepEqual(parseBasicAuthorization(valid), { kind: 'basic', username: publicKey, password: privateKey });
  });

  void test('no header, or an empty one, is no credentials (not malformed)', () => {
    assert.deepEqual(parseBasicAuthorization(undefined), { kind: 'none' });
    assert.deepEqual(parseBasicAuthorization(''), { kind: 'none' });
  });

  void test('the scheme is matched without regard to case', () => {
    for (const scheme of ['basic', 'BASIC', 'bAsIc']) {
      assert.equal(parseBasicAuthorization(`${scheme} ${encode('a:b')}`).kind, 'basic', scheme);
    }
  });

  void test('the password is everything after the first colon', () => {
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('user:pa:ss:')}`), { kind: 'basic', username: 'user', password: 'pa:ss:' });
  });

  void test('extra spaces around the credentials are ignored', () => {
    assert.equal(parseBasicAuthorization(`Basic   ${encode('a:b')}  `).kind, 'basic');
  });

  void test('UTF-8 user names and passwords are decoded as UTF-8', () => {
    assert.deepEqual(parseBasicAuthorization(`Basic ${encode('jürgen:pässwört✓')}`), { kind: 'basic', username: 'jürgen', password: 'pässwört✓' });
  });

  const malformed: ReadonlyArray<readonly [string, string, RegExp]> = [
    ['another scheme', `Bearer ${encode('a:b')}`, /only HTTP Basic/],
    ['a scheme that only starts with Basic', `Basicx ${encode('a:b')}`, /only HTTP Basic/],
    ['a space before the scheme', ` Basic ${encode('a:b')}`, /only HTTP Basic/],
    ['a tab instead of the space', `Basic\t${encode('a:b')}`, /only HTTP Basic/],
    ['the scheme alone', 'Basic', /not valid base64/],
    ['the scheme and spaces', 'Basic    ', /not valid base64/],
    ['characters outside base64', 'Basic YTpi!!!!', /not valid base64/],
    ['base64url instead of base64', `Basic ${Buffer.from('??>:??>').toString('base64url')}`, /not valid base64/],
    ['a length that is not a multiple of 4', 'Basic YTpiYw', /not valid base64/],
    ['padding in the middle', 'Basic YT=iYw==', /not valid base64/],
    ['padding only', 'Basic ====', /not valid base64/],
    ['two tokens', `Basic ${encode('a:b')} ${encode('c:d')}`, /not valid base64/],
    ['non-ASCII in the header itself', 'Basic YTpi€€€€', /not valid base64/],
    ['no colon', `Basic ${encode(publicKey + privateKey)}`, /no ":"/],
    ['an empty user name', `Basic ${encode(`:${privateKey}`)}`, /need a public key/],
    ['an empty password', `Basic ${encode(`${publicKey}:`)}`, /need a public key/],
    ['a colon alone', `Basic ${encode(':')}`, /need a public key/],
    ['a header over the limit', `Basic ${'A'.repeat(maxAuthorizationLength)}`, /too long/],
  ];
  for (const [what, header, reason] of malformed) {
    void test(`malformed: ${what}`, () => {
      const parsed = parseBasicAuthorization(header);
      assert.equal(parsed.kind, 'malformed');
      assert.match(parsed.kind === 'malformed' ? parsed.reason : '', reason);
    });
  }

  void test('the reason never repeats what was presented', () => {
    for (const [, header] of malformed) {
      const parsed = parseBasicAuthorization(header);
      const presented = header.slice(6, 20).trim();
      assert.ok(parsed.kind === 'malformed' && !parsed.reason.includes(privateKey));
      if (presented.length >= 4) assert.ok(!parsed.reason.includes(presented), parsed.reason);
    }
  });

  void test('a header of exactly the longest accepted length is parsed; one character more is refused', () => {
    // 1016 base64 characters (762 bytes) after "Basic" and three spaces: 1024 characters in all.
    const filler = 'x'.repeat(762 - publicKey.length - 1);
    const header = `Basic   ${encode(`${publicKey}:${filler}`)}`;
    assert.equal(header.length, maxAuthorizationLength);
    assert.deepEqual(parseBasicAuthorization(header), { kind: 'basic', username: publicKey, password: filler });
    const longer = parseBasicAuthorization(`Basic    ${encode(`${publicKey}:${filler}`)}`);
    assert.ok(longer.kind === 'malformed');
    assert.match(longer.reason, /too long/);
  });

  void test('a very long header is refused as too long', () => {
    const huge = `Basic ${encode(`${publicKey}:${'x'.repeat(1_000_000)}`)}`;
    const parsed = parseBasicAuthorization(huge);
    assert.ok(parsed.kind === 'malformed');
    assert.match(parsed.reason, /too long/);
  });

  void test('property: never throws, and always answers one of the three kinds', () => {
    // Any code point, and lone surrogates (fast-check's own 'binary' unit takes seconds to warm up).
    const anyChar = fc.oneof(
      fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom(' ', ':', '=', '+', '/', 'A', 'z', '0'),
    );
    const anyText = fc.string({ maxLength: 100, unit: anyChar });
    const header = fc.oneof(
      anyText,
      anyText.map((s) => `Basic ${s}`),
      anyText.map((s) => `Basic ${Buffer.from(s, 'latin1').toString('base64')}`),
      fc.uint8Array({ maxLength: 100 }).map((bytes) => `basic ${Buffer.from(bytes).toString('base64')}`),
      fc.string({ minLength: 1000, maxLength: 1100, unit: 'grapheme-ascii' }),
    );
    fc.assert(
      fc.property(header, (h) => {
        const parsed = parseBasicAuthorization(h);
        assert.ok(['none', 'malformed', 'basic'].includes(parsed.kind));
        if (parsed.kind === 'basic') assert.ok(parsed.username !== '' && parsed.password !== '' && !parsed.username.includes(':'));
      }),
      { numRuns: 1000 },
    );
  });

  void test('property: any user name without a colon and any password come back as they were sent', () => {
    const text = fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' });
    fc.assert(
      fc.property(text.filter((u) => !u.includes(':')), text, (username, password) => {
        const header = `Basic ${encode(`${username}:${password}`)}`;
        fc.pre(header.length <= maxAuthorizationLength);
        assert.deepEqual(parseBasicAuthorization(header), { kind: 'basic', username, password });
      }),
      { numRuns: 500 },
    );
  });
});
