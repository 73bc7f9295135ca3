import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  generateKeyString,
  hashPassword,
  hashSecret,
  keyStringPattern,
  secretMatches,
  verifyPassword,
} from '../../src/registry/secrets.js';

void describe('key strings', () => {
  void test('are 32 lowercase hexadecimal characters', () => {
    for (let i = 0; i < 100; i++) {
      const key = generateKeyString();
      assert.match(key, /^[0-9a-f]{32}$/);
      assert.match(key, keyStringPattern);
    }
  });

  void test('are distinct', () => {
    const keys = new Set(Array.from({ length: 10_000 }, () => generateKeyString()));
    assert.equal(keys.size, 10_000);
  });

  void test('the pattern rejects other shapes', () => {
    for (const text of ['', 'abc', '0123456789ABCDEF0123456789abcdef', `${generateKeyString()}0`, 'g'.repeat(32)]) {
      assert.doesNotMatch(text, keyStringPattern);
    }
  });
});

void describe('hashSecret / secretMatches', () => {
  const secret = generateKeyString();

  void test('the hash is deterministic, hex, and does not contain the secret', () => {
    const hash = hashSecret(secret);
    assert.equal(hash, hashSecret(secret));
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.ok(!hash.includes(secret));
    assert.notEqual(hashSecret(generateKeyString()), hash);
  });

  void test('matches the right secret only', () => {
    const stored = hashSecret(secret);
    assert.equal(secretMatches(secret, stored), true);
    assert.equal(secretMatches(generateKeyString(), stored), false);
    assert.equal(secretMatches(`${secret} `, stored), false);
    assert.equal(secretMatches(secret.toUpperCase(), stored), false);
  });

  void test('a malformed stored hash never matches (and does not throw)', () => {
    assert.equal(secretMatches(secret, ''), false);
    assert.equal(secretMatches(secret, 'abcd'), false);
    assert.equal(secretMatches(secret, secret), false);
  });
});

void describe('hashPassword / verifyPassword', () => {
  void test('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.match(stored, /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    assert.ok(!stored.includes('correct horse'));
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapler', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  void test('salts: the same password hashes differently each time', async () => {
    const [a, b] = await Promise.all([hashPassword('same password'), hashPassword('same password')]);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword('same password', b), true);
  });

  void test('a malformed stored hash is refused', async () => {
    for (const stored of ['', 'plain', 'bcrypt$1$2$3$c2FsdA==$aGFzaA==', 'scrypt$16384$8$1$$']) {
      assert.equal(await verifyPassword('whatever', stored), false, stored);
    }
  });
});
