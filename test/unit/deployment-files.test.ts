import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { BlockList } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { repoRoot } from '../helpers/cli.js';

// Docker and Kubernetes are not available to the tests: the files are parsed and checked for what
// repogate relies on.
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8');
/** Compose's `${NAME:-default}` and `${NAME:?message}` with nothing set: the default (or empty). */
const withDefaults = (value: string): string => value.replace(/\$\{\w+(?::-([^}]*)|:\?[^}]*)?\}/g, (_m, fallback?: string) => fallback ?? '');

interface ComposeService {
  image?: string;
  ports?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  networks?: Record<string, { ipv4_address?: string } | null>;
  profiles?: string[];
}

test('docker-compose.yml: Caddy in front of the single instance, trusted by it, with the Caddyfile that sets X-Forwarded-Proto', () => {
  const compose = load(read('docker-compose.yml')) as { services: Record<string, ComposeService>; networks: { default: { ipam: { config: Array<{ subnet: string }> } } } };
  const { repogate, caddy } = compose.services;
  assert.ok(repogate && caddy);
  assert.equal(caddy.profiles, undefined, 'Caddy starts with the single instance');
  assert.ok(caddy.volumes?.includes('./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro'));
  assert.ok(caddy.ports?.includes('443:443'));
  assert.deepEqual(repogate.ports, ['127.0.0.1:8080:8080', '127.0.0.1:8081:8081'], 'only Caddy is reachable from outside');

  const caddyAddress = withDefaults(caddy.networks?.['default']?.ipv4_address ?? '');
  const subnet = withDefaults(compose.networks.default.ipam.config[0]!.subnet);
  const [network, prefix] = subnet.split('/');
  const inSubnet = new BlockList();
  inSubnet.addSubnet(network!, Number(prefix));
  assert.ok(inSubnet.check(caddyAddress), `${caddyAddress} is in ${subnet}`);
  const trusted = withDefaults(repogate.environment?.['REPOGATE_TRUSTED_PROXIES'] ?? '');
  assert.equal(trusted, `${caddyAddress}/32`);
  assert.equal(withDefaults(repogate.environment?.['REPOGATE_PUBLIC_URL'] ?? ''), 'https://localhost');

  const caddyfile = read('deploy/caddy/Caddyfile');
  assert.match(caddyfile, /reverse_proxy repogate:8080/);
  assert.match(caddyfile, /header_up X-Forwarded-Proto \{scheme\}/);
});

test('Dockerfile: the repogate command on the PATH, pointing at the built CLI with its shebang', () => {
  const dockerfile = read('Dockerfile');
  assert.match(dockerfile, /ln -s \/app\/dist\/src\/cli\/main\.js \/usr\/local\/bin\/repogate/);
  assert.match(dockerfile, /chmod \+x dist\/src\/cli\/main\.js/);
  assert.match(read('dist/src/cli/main.js'), /^#!\/usr\/bin\/env node\n/);
});

test('Kubernetes: the Ingress is listed, serves REPOGATE_PUBLIC_URL’s host over TLS, and reaches the Composer Service', () => {
  const kustomization = load(read('deploy/kubernetes/kustomization.yaml')) as { resources: string[] };
  assert.ok(kustomization.resources.includes('ingress.yaml'));
  for (const file of kustomization.resources) assert.ok(existsSync(join(repoRoot, 'deploy/kubernetes', file)), file);

  const ingress = load(read('deploy/kubernetes/ingress.yaml')) as {
    kind: string;
    spec: { tls: Array<{ hosts: string[] }>; rules: Array<{ host: string; http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> };
  };
  const config = load(read('deploy/kubernetes/configmap.yaml')) as { data: Record<string, string> };
  const host = new URL(config.data['REPOGATE_PUBLIC_URL']!).host;
  assert.equal(ingress.kind, 'Ingress');
  assert.deepEqual(ingress.spec.tls[0]!.hosts, [host]);
  assert.equal(ingress.spec.rules[0]!.host, host);
  assert.ok(config.data['REPOGATE_TRUSTED_PROXIES'], 'the controller is trusted');

  const services = read('deploy/kubernetes/service.yaml').split(/^---$/m).map((doc) => load(doc) as { metadata: { name: string }; spec: { ports: Array<{ name: string }> } });
  const backend = ingress.spec.rules[0]!.http.paths[0]!.backend.service;
  const service = services.find((s) => s.metadata.name === backend.name);
  assert.ok(service?.spec.ports.some((p) => p.name === backend.port.name), `${backend.name}:${backend.port.name} exists`);
});
