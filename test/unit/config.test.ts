import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { isRepogateError, type RepogateError } from '../../src/errors.js';
import { repogateVersion } from '../../src/version.js';

function configError(env: Record<string, string>): RepogateError {
  try {
    loadConfig(env);
  } catch (error) {
    if (isRepogateError(error)) return error;
    throw error;
  }
  assert.fail(`expected ${JSON.stringify(env)} to be refused`);
}

void describe('loadConfig', () => {
  void test('defaults match the design’s configuration table', () => {
    const config = loadConfig({});
    assert.deepEqual(config.upstream, {
      url: 'https://repo.magento.com',
      username: undefined,
      password: undefined,
      timeoutMs: 30_000,
      breaker: { failureThreshold: 5, openMs: 10_000 },
      metadataHosts: [],
      userAgent: `Composer/2.8.0 (repogate/${repogateVersion}; Node.js ${process.versions.node})`,
    });
    assert.match(repogateVersion, /^\d+\.\d+\.\d+/);
    assert.equal(config.publicUrl, undefined);
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.adminPort, 8081);
    assert.equal(config.adminHost, '127.0.0.1');
    assert.equal(config.adminToken, undefined);
    assert.equal(config.dataDir, resolve('./data'));
    assert.equal(config.databaseUrl, `sqlite:${resolve('./data', 'registry.sqlite')}`);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.metadataTtlMs, 300 * 1000);
    assert.equal(config.staleMs, 604_800 * 1000);
    assert.equal(config.archiveCacheBytes, 10_737_418_240);
    assert.deepEqual(config.downloads, { url: undefined, mageId: undefined, token: undefined });
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.upstream));
  });

  void test('the environment wins over the defaults', () => {
    const config = loadConfig({
      REPOGATE_UPSTREAM_URL: 'http://mock-upstream.test:9000/',
      REPOGATE_UPSTREAM_USERNAME: 'upstream-public',
      REPOGATE_UPSTREAM_PASSWORD: 'upstream-private',
      REPOGATE_PUBLIC_URL: 'https://composer.example.test/',
      PORT: '9090',
      REPOGATE_HOST: '127.0.0.1',
      REPOGATE_ADMIN_PORT: '9091',
      REPOGATE_ADMIN_HOST: '0.0.0.0',
      REPOGATE_ADMIN_TOKEN: 'a-long-enough-admin-token',
      REPOGATE_DATA_DIR: '/var/lib/repogate',
      REPOGATE_DATABASE_URL: 'postgres://db.test/repogate',
      REDIS_URL: 'redis://cache.test:6379',
      REPOGATE_METADATA_TTL_SECONDS: '60',
      REPOGATE_STALE_SECONDS: '0',
      REPOGATE_ARCHIVE_CACHE_BYTES: '0',
      REPOGATE_DOWNLOADS_URL: 'https://downloads.test',
      REPOGATE_DOWNLOADS_MAGEID: 'MAG1',
      REPOGATE_DOWNLOADS_TOKEN: 'downloads-token',
      REPOGATE_UPSTREAM_USER_AGENT: ' Composer/2.7.9 (acme-mirror) ',
    });
    assert.equal(config.upstream.userAgent, 'Composer/2.7.9 (acme-mirror)');
    assert.match(configError({ REPOGATE_UPSTREAM_USER_AGENT: 'two\nlines' }).message, /REPOGATE_UPSTREAM_USER_AGENT: .*one line/);
    assert.deepEqual(
      [config.upstream.url, config.upstream.username, config.upstream.password, config.publicUrl],
      ['http://mock-upstream.test:9000', 'upstream-public', 'upstream-private', 'https://composer.example.test'],
    );
    assert.deepEqual([config.port, config.host, config.adminPort, config.adminHost], [9090, '127.0.0.1', 9091, '0.0.0.0']);
    assert.equal(config.adminToken, 'a-long-enough-admin-token');
    assert.equal(config.dataDir, '/var/lib/repogate');
    assert.equal(config.databaseUrl, 'postgres://db.test/repogate');
    assert.equal(config.redisUrl, 'redis://cache.test:6379');
    assert.deepEqual([config.metadataTtlMs, config.staleMs, config.archiveCacheBytes], [60_000, 0, 0]);
    assert.deepEqual(config.downloads, { url: 'https://downloads.test', mageId: 'MAG1', token: 'downloads-token' });
  });

  void test('an empty variable counts as unset', () => {
    assert.equal(loadConfig({ PORT: '', REPOGATE_PUBLIC_URL: '' }).port, 8080);
  });

  void test('the SQLite registry follows the data directory', () => {
    assert.equal(loadConfig({ REPOGATE_DATA_DIR: '/srv/gate' }).databaseUrl, 'sqlite:/srv/gate/registry.sqlite');
  });

  void test('REPOGATE_TRUSTED_PROXIES: none by default; a list of addresses and CIDRs, IPv4 and IPv6, normalised', () => {
    assert.deepEqual(loadConfig({}).trustedProxies, []);
    const config = loadConfig({ REPOGATE_TRUSTED_PROXIES: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::1 ' });
    assert.deepEqual(config.trustedProxies, ['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '::1/128']);
    assert.ok(Object.isFrozen(config.trustedProxies));
  });

  void test('a malformed REPOGATE_TRUSTED_PROXIES stops start-up, naming the variable and the bad entry', () => {
    for (const value of ['10.0.0.0/33', '10.0.0.0/8, proxy.internal', '2001:db8::/129', '10.0.0.0/']) {
      const error = configError({ REPOGATE_TRUSTED_PROXIES: value });
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /^\s*REPOGATE_TRUSTED_PROXIES: "[^"]+" is not an address or CIDR/m, error.message);
    }
  });

  void test('REPOGATE_SECRETS_KEY: any string of 32 characters or more; a shorter one is named, never shown', () => {
    assert.equal(loadConfig({}).secretsKey, undefined);
    const key = 'k'.repeat(32);
    assert.equal(loadConfig({ REPOGATE_SECRETS_KEY: key }).secretsKey, key);
    const error = configError({ REPOGATE_SECRETS_KEY: 'short-but-secret' });
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, /REPOGATE_SECRETS_KEY: must be at least 32 characters/);
    assert.ok(!error.message.includes('short-but-secret'), error.message);
  });

  void test('several bad values are reported at once, each naming its variable', () => {
    const error = configError({
      PORT: 'abc',
      REPOGATE_ADMIN_PORT: '70000',
      REPOGATE_UPSTREAM_URL: 'ftp://repo.example.test',
      REPOGATE_METADATA_TTL_SECONDS: '-5',
      REDIS_URL: 'localhost:6379',
      REPOGATE_DATABASE_URL: 'mysql://db/x',
    });
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.equal(error.exitCode, 2);
    for (const name of [
      'PORT',
      'REPOGATE_ADMIN_PORT',
      'REPOGATE_UPSTREAM_URL',
      'REPOGATE_METADATA_TTL_SECONDS',
      'REDIS_URL',
      'REPOGATE_DATABASE_URL',
    ]) {
      assert.match(error.message, new RegExp(`^\\s*${name}: `, 'm'), `${name} in:\n${error.message}`);
    }
  });

  void test('REPOGATE_UPSTREAM_USERNAME without REPOGATE_UPSTREAM_PASSWORD is refused, and the reverse', () => {
    const halves: Array<Record<string, string>> = [
      { REPOGATE_UPSTREAM_USERNAME: 'upstream-public' },
      { REPOGATE_UPSTREAM_PASSWORD: 'upstream-private' },
    ];
    for (const env of halves) {
      const error = configError(env);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /REPOGATE_UPSTREAM_USERNAME/);
      assert.match(error.message, /REPOGATE_UPSTREAM_PASSWORD/);
      assert.ok(!error.message.includes('upstream-private'));
    }
  });

  void test('secrets are never echoed in the error', () => {
    const error = configError({ REPOGATE_ADMIN_TOKEN: 'tiny-secret', PORT: 'abc' });
    assert.match(error.message, /REPOGATE_ADMIN_TOKEN/);
    assert.ok(!error.message.includes('tiny-secret'), error.message);
  });

  void test('URL settings that carry credentials are refused, naming the variable and where the credentials go', () => {
    const cases: ReadonlyArray<readonly [string, string, RegExp]> = [
      ['REPOGATE_UPSTREAM_URL', 'http://upstream-user:upstream-pass-1111@repo.test', /REPOGATE_UPSTREAM_USERNAME.*REPOGATE_UPSTREAM_PASSWORD/],
      ['REPOGATE_UPSTREAM_URL', 'https://only-a-user@repo.test/path', /REPOGATE_UPSTREAM_USERNAME/],
      ['REPOGATE_DOWNLOADS_URL', 'https://MAG1:downloads-pass-2222@downloads.test', /REPOGATE_DOWNLOADS_MAGEID.*REPOGATE_DOWNLOADS_TOKEN/],
      ['REPOGATE_PUBLIC_URL', 'https://public-user:public-pass-3333@repogate.test', /own keys/],
    ];
    for (const [name, value, pointer] of cases) {
      const env: Record<string, string> = { [name]: value };
      if (name === 'REPOGATE_DOWNLOADS_URL') Object.assign(env, { REPOGATE_DOWNLOADS_MAGEID: 'MAG1', REPOGATE_DOWNLOADS_TOKEN: 'downloads-token' });
      const error = configError(env);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, new RegExp(`^\\s*${name}: must not hold credentials`, 'm'), error.message);
      assert.match(error.message, pointer, error.message);
      assert.ok(!/pass-\d{4}|only-a-user/.test(error.message), error.message);
    }
  });

  void test('database and Redis URLs may carry passwords', () => {
    const config = loadConfig({ REPOGATE_DATABASE_URL: 'postgres://repogate:db-pass@db.test/repogate', REDIS_URL: 'redis://:redis-pass@cache.test:6379' });
    assert.equal(config.databaseUrl, 'postgres://repogate:db-pass@db.test/repogate');
    assert.equal(config.redisUrl, 'redis://:redis-pass@cache.test:6379');
  });

  void test('REPOGATE_UPSTREAM_METADATA_HOSTS lists host[:port] keys; a host alone stands for the default ports', () => {
    const config = loadConfig({ REPOGATE_UPSTREAM_METADATA_HOSTS: ' CDN.Example.test , mirror.test:8443,[::1]:9000,cdn.example.test' });
    assert.deepEqual(config.upstream.metadataHosts, ['cdn.example.test:80', 'cdn.example.test:443', 'mirror.test:8443', '[::1]:9000']);
    for (const bad of ['https://cdn.example.test', 'mirror.test:99999', 'a b', 'host/path']) {
      const error = configError({ REPOGATE_UPSTREAM_METADATA_HOSTS: bad });
      assert.match(error.message, /^\s*REPOGATE_UPSTREAM_METADATA_HOSTS: /m, error.message);
    }
  });

  void test(
    'credentials inside a URL value are never echoed in the error',
    () => {
      const error = configError({
        REDIS_URL: 'http://user:redis-pass-1234@cache.test:6379',
        REPOGATE_DATABASE_URL: 'mysql://root:db-pass-5678@db.test/x',
      });
      assert.match(error.message, /REDIS_URL/);
      assert.ok(!error.message.includes('redis-pass-1234'), error.message);
      assert.ok(!error.message.includes('db-pass-5678'), error.message);
      const raw = configError({ REDIS_URL: 'http://user:part-one@part-two#x@cache.test:6379' });
      assert.ok(!/part-one|part-two/.test(raw.message), raw.message);
    },
  );
});
