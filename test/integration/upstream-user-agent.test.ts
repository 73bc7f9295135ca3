import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startStack, type TestStack } from '../helpers/repogate.js';
import type { UpstreamLayout } from '../helpers/mock-upstream/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { repogateVersion } from '../../src/version.js';

/**
 * Every request repogate makes upstream (root, provider-includes, package metadata, archives, download
 * notifications) carries one User-Agent that reads as a Composer 2 client and names repogate: Composer's
 * own is `Composer/<version> (<os>; <release>; PHP …; cURL …)` and some servers answer Composer clients
 * differently. REPOGATE_UPSTREAM_USER_AGENT replaces it.
 */
async function upstreamUserAgents(layout: UpstreamLayout, env: Record<string, string> = {}): Promise<{ kinds: Map<string, Set<string | undefined>>; stack: TestStack }> {
  const stack = await startStack({ layout, env, grants: ['everything'] });
  const get = (path: string): Promise<Response> => fetch(`${stack.repogate.url}${path}`, { headers: { authorization: stack.key.authorization } });
  assert.equal((await get('/packages.json')).status, 200);
  const meta = (await (await get('/p2/magento/framework.json')).json()) as { packages: Record<string, Array<{ dist?: { url: string } }>> };
  const archive = await fetch(meta.packages['magento/framework']![0]!.dist!.url, { headers: { authorization: stack.key.authorization } });
  assert.equal(archive.status, 200);
  await archive.arrayBuffer();
  const notified = await fetch(`${stack.repogate.url}/notify-batch`, {
    method: 'POST',
    headers: { authorization: stack.key.authorization, 'content-type': 'application/json' },
    body: JSON.stringify({ downloads: [{ name: 'magento/framework', version: '103.0.7.0' }] }),
  });
  assert.equal(notified.status, 200);
  await waitFor(() => stack.upstream.notifications.length > 0, { what: 'the notification to be forwarded upstream' });

  const kinds = new Map<string, Set<string | undefined>>();
  for (const request of stack.upstream.requests) {
    const kind =
      request.path === '/packages.json'
        ? 'root'
        : request.path.startsWith('/p/provider-')
          ? 'provider-include'
          : request.path.startsWith('/archives/')
            ? 'archive'
            : request.path === '/notify-batch'
              ? 'notify'
              : 'package metadata';
    const agents = kinds.get(kind) ?? new Set();
    agents.add(request.userAgent);
    kinds.set(kind, agents);
  }
  return { kinds, stack };
}

void describe('the User-Agent repogate sends upstream', () => {
  void test('reads as Composer 2 and names repogate and its version, on every kind of request', async () => {
    const { kinds, stack } = await upstreamUserAgents('providers');
    try {
      assert.deepEqual([...kinds.keys()].sort(), ['archive', 'notify', 'package metadata', 'provider-include', 'root']);
      const expected = `Composer/2.8.0 (repogate/${repogateVersion}; Node.js ${process.versions.node})`;
      for (const [kind, agents] of kinds) assert.deepEqual([...agents], [expected], kind);
      assert.match(expected, /^Composer\/2\.\d+\.\d+ \(/);
    } finally {
      await stack.close();
    }
  });

  void test('REPOGATE_UPSTREAM_USER_AGENT replaces it everywhere', async () => {
    const { kinds, stack } = await upstreamUserAgents('composer2', { REPOGATE_UPSTREAM_USER_AGENT: 'Composer/2.7.9 (acme-mirror)' });
    try {
      assert.deepEqual([...kinds.keys()].sort(), ['archive', 'notify', 'package metadata', 'root']);
      for (const [kind, agents] of kinds) assert.deepEqual([...agents], ['Composer/2.7.9 (acme-mirror)'], kind);
    } finally {
      await stack.close();
    }
  });
});
