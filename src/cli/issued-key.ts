import type { IssuedKey } from '../registry/keys.js';

/** What `keys create --json` and `keys regenerate --json` print: exactly these four fields. */
export function issuedKeyJson(issued: IssuedKey): { publicKey: string; privateKey: string; name: string; account: string } {
  return {
    publicKey: issued.key.publicKey,
    privateKey: issued.privateKey,
    name: issued.key.name,
    account: issued.key.accountId,
  };
}

/** The human form: the pair (shown only this once), an `auth.json` snippet and the `composer config` line. */
export function renderIssuedKey(issued: IssuedKey, headline: string, host: string): string {
  const { publicKey } = issued.key;
  const authJson = { 'http-basic': { [host]: { username: publicKey, password: issued.privateKey } } };
  return [
    headline,
    '',
    `  Public key:  ${publicKey}`,
    `  Private key: ${issued.privateKey}`,
    '',
    'The private key is shown only this once: save it now (repogate keeps only a hash of it).',
    '',
    'auth.json:',
    JSON.stringify(authJson, null, 4),
    '',
    'or, for Composer on this machine:',
    `composer config --global http-basic.${host} ${publicKey} ${issued.privateKey}`,
  ].join('\n');
}
