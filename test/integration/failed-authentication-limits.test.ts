import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { basic, createTestKey, startStack, type TestKey, type TestStack } from '../helpers/repogate.js';

interface Outcome {
  readonly status: number;
  readonly code: string | undefined;
  readonly warning: string | undefined;
  readonly retryAfter: string | null;
}

const randomKey = (): string => randomBytes(16).toString('hex');

/**
 * The limits on failed authentications count wrong guesses only: whoever guesses, and however often,
 * the right key pair is still served, and the 429 says which limit fired.
 */
for (const backend of ['memory', 'Redis'] as const) {
  void describe(`failed authentication limits (${backend} counters)`, () => {
    let redis: TestRedis | undefined;
    let perKey: TestStack;
    let perAddress: TestStack;

    before(async () => {
      redis = backend === 'Redis' ? await startTestRedis({ own: true }) : undefined;
      // Each stack counts in a database of its own: both count failures of 127.0.0.1.
      const redisEnv = (db: number): Record<string, string> => (redis === undefined ? {} : { REDIS_URL: `${redis.url}/${db}` });
      [perKey, perAddress] = await Promise.all([
        startStack({ env: { ...redisEnv(1), REPOGATE_AUTH_FAILURES_PER_KEY: '20', REPOGATE_AUTH_FAILURES_PER_ADDRESS: '100000' } }),
        startStack({ env: { ...redisEnv(2), REPOGATE_AUTH_FAILURES_PER_KEY: '100000', REPOGATE_AUTH_FAILURES_PER_ADDRESS: '25' } }),
      ]);
    });
    after(async () => {
      await Promise.all([perKey?.close(), perAddress?.close()]);
      await redis?.close();
    });

    const ask = async (stack: TestStack, authorization: string): Promise<Outcome> => {
      const response = await fetch(`${stack.repogate.url}/packages.json`, { headers: { authorization } });
      const retryAfter = response.headers.get('retry-after');
      if (response.status < 400) {
        await response.arrayBuffer();
        return { status: response.status, code: undefined, warning: undefined, retryAfter };
      }
      const body = (await response.json()) as { code?: string; warning?: string };
      return { status: response.status, code: body.code, warning: body.warning, retryAfter };
    };
    const wrong = (key: TestKey): string => basic(key.publicKey, randomKey());

    void test('30 wrong guesses against a key: its correct pair is still served, a further wrong guess is 429 naming the key', async () => {
      const victim = perKey.key;
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push((await ask(perKey, wrong(victim))).status);
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401), 'the first 20 failures are plain 401s');
      assert.deepEqual(statuses.slice(20), Array(10).fill(429), 'then the key limit answers');

      assert.equal((await ask(perKey, victim.authorization)).status, 200, 'the owner of the key is not locked out');
      assert.equal((await ask(perKey, victim.authorization)).status, 200);

      const refused = await ask(perKey, wrong(victim));
      assert.equal(refused.status, 429);
      assert.equal(refused.code, 'RATE_LIMITED');
      assert.ok(Number(refused.retryAfter) > 0, `Retry-After: ${refused.retryAfter}`);
      assert.match(refused.warning ?? '', new RegExp(`^too many failed authentications against public key ${victim.publicKey}; try again in \\d+ s`));

      if (redis !== undefined) {
        const client = new Redis(`${redis.url}/1`);
        try {
          assert.equal(await client.exists(`repogate:throttle:key:${victim.publicKey}`), 1, 'the failures are counted in Redis');
        } finally {
          client.disconnect();
        }
      }

      // Another key from the same address: its wrong guesses still get 401, its right pair 200.
      const colleague = await createTestKey(perKey.repogate.registry, { accountId: victim.accountId, keyName: 'colleague' });
      assert.equal((await ask(perKey, wrong(colleague))).status, 401);
      assert.equal((await ask(perKey, colleague.authorization)).status, 200);
    });

    void test('wrong guesses from one address: every correct pair from it is still served, a further wrong guess is 429 naming no key', async () => {
      const guesses: number[] = [];
      // Different public keys (and garbage), so that only the address limit can fire.
      for (let i = 0; i < 30; i++) {
        const authorization = i % 3 === 0 ? basic('not-a-key', 'x') : basic(randomKey(), randomKey());
        guesses.push((await ask(perAddress, authorization)).status);
      }
      assert.deepEqual(guesses.slice(0, 25), Array(25).fill(401), 'the first 25 failures are plain 401s');
      assert.deepEqual(guesses.slice(25), Array(5).fill(429), 'then the address limit answers');

      assert.equal((await ask(perAddress, perAddress.key.authorization)).status, 200, 'a developer behind the same NAT is served');
      const another = await createTestKey(perAddress.repogate.registry, { keyName: 'another developer' });
      assert.equal((await ask(perAddress, another.authorization)).status, 200);

      const refused = await ask(perAddress, wrong(perAddress.key));
      assert.equal(refused.status, 429);
      assert.equal(refused.code, 'RATE_LIMITED');
      assert.ok(Number(refused.retryAfter) > 0, `Retry-After: ${refused.retryAfter}`);
      assert.match(refused.warning ?? '', /^too many failed authentications from your address \S+; try again in \d+ s/);
      assert.ok(!/[0-9a-f]{32}/.test(refused.warning ?? ''), `the address limit names no key: ${refused.warning}`);
    });
  });
}
