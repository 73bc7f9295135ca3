/**
 * A process that creates access keys in a loop and prints each one (as a JSON line) only once its
 * transaction has committed — the victim of the crash-safety test, which kills it with SIGKILL.
 * Usage: node key-writer.js <sqlite-file> <MAGEID>
 */
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry } from '../../src/registry/registry.js';

const [file, accountId] = process.argv.slice(2);
if (!file || !accountId) {
  console.error('usage: key-writer <sqlite-file> <MAGEID>');
  process.exit(2);
}
const registry = createRegistry(await openRegistryDatabase(`sqlite:${file}`));
const actor = { type: 'system', id: 'crash-test' } as const;
for (let i = 0; ; i++) {
  const issued = await registry.keys.create(accountId, `key-${process.pid}-${i}`, {}, actor);
  process.stdout.write(`${JSON.stringify({ publicKey: issued.key.publicKey, privateKey: issued.privateKey })}\n`);
}
