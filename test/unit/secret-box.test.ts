import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRepogateError } from '../../src/errors.js';
import { openSecret, sealSecret } from '../../src/registry/secret-box.js';

const key = 'a-secrets-key-of-at-least-32-characters';
const otherKey = 'another-secrets-key-of-32-characters-or-more';

async function openError(sealed: string, secretsKey: string): Promise<{ code: string; message: string }> {
  try {
    await openSecret(sealed, secretsKey);
  } catch (error) {
    if (isRepogateError(error)) return error;
    throw error;
  }
  assert.fail('the secret opened');
}

void describe('secret box', () => {
  void test('a sealed secret opens with the same key, and the sealed text does not contain it', async () => {
    for (const plain of ['s3cret-password', 'ghp_0123456789abcdefghijABCDEFGHIJ012345', 'ünïcödé ✓', 'x']) {
      const sealed = await sealSecret(plain, key);
      if (plain.length > 8) {
        assert.ok(!sealed.includes(plain), sealed);
        assert.ok(!sealed.includes(Buffer.from(plain).toString('base64').slice(0, 8)), sealed);
      }
      assert.match(sealed, /^v1\$scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
      assert.equal(await openSecret(sealed, key), plain);
    }
  });

  void test('sealing the same secret twice gives different texts (own salt and iv), both open', async () => {
    const [a, b] = await Promise.all([sealSecret('same', key), sealSecret('same', key)]);
    assert.notEqual(a, b);
    assert.notEqual(a.split('$')[5], b.split('$')[5]);
    assert.equal(await openSecret(a, key), 'same');
    assert.equal(await openSecret(b, key), 'same');
  });

  void test('another key cannot open it: CONFIG_INVALID naming REPOGATE_SECRETS_KEY', async () => {
    const sealed = await sealSecret('s3cret-password', key);
    const error = await openError(sealed, otherKey);
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /cannot decrypt/);
    assert.match(error.message, /REPOGATE_SECRETS_KEY is not the one the secret was stored with/);
    assert.ok(!error.message.includes('s3cret-password'));
  });

  void test('altered text does not open: ciphertext, tag or KDF parameters', async () => {
    const sealed = await sealSecret('s3cret-password', key);
    const parts = sealed.split('$');
    const flip = (b64: string): string => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = bytes[0]! ^ 1;
      return bytes.toString('base64');
    };
    const altered = [
      [...parts.slice(0, 8), flip(parts[8]!)],
      [...parts.slice(0, 7), flip(parts[7]!), parts[8]!],
      [...parts.slice(0, 5), flip(parts[5]!), ...parts.slice(6)],
      [parts[0]!, parts[1]!, '16384', '8', '2', ...parts.slice(5)],
    ];
    for (const text of altered) assert.equal((await openError(text.join('$'), key)).code, 'CONFIG_INVALID');
    for (const text of ['', 'plain', 'v2$scrypt$16384$8$1$a$b$c$d', parts.slice(0, 8).join('$'), [parts[0], parts[1], String(1 << 30), ...parts.slice(3)].join('$')]) {
      const error = await openError(text, key);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /cannot decrypt/);
    }
  });
});
