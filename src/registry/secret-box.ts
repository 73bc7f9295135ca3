import { createCipheriv, createDecipheriv, randomBytes, scrypt, type ScryptOptions } from 'node:crypto';
import { RepogateError } from '../errors.js';

/**
 * Secrets repogate must give back in plain text (a source's password or GitHub token), so unlike keys
 * and passwords they cannot be hashed. Each is sealed with AES-256-GCM under a key derived from
 * REPOGATE_SECRETS_KEY by scrypt with a salt of its own. The sealed text names its version and the
 * KDF parameters, so later seals can use stronger ones while older ones still open:
 *
 *   v1$scrypt$N$r$p$salt$iv$tag$ciphertext   (the last four in base64)
 *
 * The header is authenticated too (GCM's additional data): changing a parameter fails like a wrong key.
 */
const version = 'v1';
const kdf = { N: 16384, r: 8, p: 1 } as const;
// Bounds for parameters read back from the registry, so a damaged row cannot ask for gigabytes.
const maxN = 1 << 20;
const maxRp = 16;

function deriveKey(secretsKey: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secretsKey, salt, 32, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

export async function sealSecret(plain: string, secretsKey: string): Promise<string> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(secretsKey, salt, kdf);
  const header = [version, 'scrypt', kdf.N, kdf.r, kdf.p, salt.toString('base64')].join('$');
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(header, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [header, iv.toString('base64'), cipher.getAuthTag().toString('base64'), ciphertext.toString('base64')].join('$');
}

export async function openSecret(sealed: string, secretsKey: string): Promise<string> {
  const parts = sealed.split('$');
  const [tag0, scheme, n, r, p, salt, iv, tag, ciphertext] = parts;
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (
    parts.length !== 9 ||
    tag0 !== version ||
    scheme !== 'scrypt' ||
    !Number.isInteger(N) || N < 2 || N > maxN || (N & (N - 1)) !== 0 ||
    !Number.isInteger(R) || R < 1 || R > maxRp ||
    !Number.isInteger(P) || P < 1 || P > maxRp ||
    salt === undefined || iv === undefined || tag === undefined || ciphertext === undefined
  ) {
    throw new RepogateError('CONFIG_INVALID', 'cannot decrypt a stored secret: it is not in a form this version of repogate reads (damaged, or written by a newer version)');
  }
  const header = parts.slice(0, 6).join('$');
  const key = await deriveKey(secretsKey, Buffer.from(salt, 'base64'), { N, r: R, p: P });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
    decipher.setAAD(Buffer.from(header, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8');
  } catch (error) {
    throw new RepogateError(
      'CONFIG_INVALID',
      'cannot decrypt a stored secret: REPOGATE_SECRETS_KEY is not the one the secret was stored with (or the stored text was altered); set the original key, or store the secret again',
      { cause: error },
    );
  }
}
