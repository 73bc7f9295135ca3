/**
 * Zip archives for the mock's packages: valid, small (except the deliberately big
 * `magento/magento2-base`), and byte-for-byte deterministic for a given package, version and
 * revision, so the `shasum` in the metadata is stable across runs of one process.
 */
import { zipSync } from 'fflate';
import type { Zippable } from 'fflate';
import { fnv1a } from './catalog.js';
import type { VersionSpec } from './catalog.js';

/**
 * The zip timestamp for every entry. Built from local-time fields because zip stores local
 * DOS time, so the bytes do not depend on the machine's time zone.
 */
const ZIP_MTIME = new Date(2024, 3, 9, 10, 0, 0);

/** Deterministic pseudo-random bytes (mulberry32), incompressible on purpose. */
export function pseudoRandomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i += 4) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    t = (t ^ (t >>> 14)) >>> 0;
    out[i] = t & 0xff;
    if (i + 1 < length) out[i + 1] = (t >>> 8) & 0xff;
    if (i + 2 < length) out[i + 2] = (t >>> 16) & 0xff;
    if (i + 3 < length) out[i + 3] = (t >>> 24) & 0xff;
  }
  return out;
}

function componentKind(spec: VersionSpec): string {
  switch (spec.type) {
    case 'magento2-theme':
      return 'THEME';
    case 'magento2-language':
      return 'LANGUAGE';
    case 'magento2-library':
      return 'LIBRARY';
    default:
      return 'MODULE';
  }
}

function componentName(spec: VersionSpec): string {
  const [vendor = '', pkg = ''] = spec.name.split('/');
  const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
  const bare = pkg.replace(/^(module|theme|language)-/, '');
  const studly = bare.split('-').map(cap).join('');
  if (spec.type === 'magento2-theme') return bare.replace(/^(frontend|adminhtml)-/, '$1/Magento/');
  if (spec.type === 'magento2-language') return bare;
  if (spec.type === 'magento2-library') return `${vendor}/${bare}`;
  return `${cap(vendor)}_${studly}`;
}

function registrationPhp(spec: VersionSpec, revision: number): string {
  const lines = [
    '<?php',
    '/**',
    ' * Copyright © Magento, Inc. All rights reserved.',
    ' * See COPYING.txt for license details.',
    ' */',
  ];
  if (revision > 0) lines.push(`// repackaged build ${revision}`);
  lines.push(
    'use Magento\\Framework\\Component\\ComponentRegistrar;',
    '',
    `ComponentRegistrar::register(ComponentRegistrar::${componentKind(spec)}, '${componentName(spec)}', __DIR__);`,
    '',
  );
  return lines.join('\n');
}

function composerJson(spec: VersionSpec, upstreamUrl: string | undefined): string {
  const doc: Record<string, unknown> = {
    name: spec.name,
    description: spec.description,
    type: spec.type,
    version: spec.version,
    license: spec.license,
    require: spec.require,
  };
  if (spec.autoload) doc.autoload = spec.autoload;
  if (spec.extra) doc.extra = spec.extra;
  if (spec.type === 'project') {
    // As Magento's template lists `https://repo.magento.com/`: the repository it was published on.
    doc['minimum-stability'] = 'stable';
    doc['prefer-stable'] = true;
    doc.repositories = [{ type: 'composer', url: `${upstreamUrl ?? 'https://repo.magento.com'}/` }];
    doc.config = { 'preferred-install': 'dist', 'sort-packages': true };
  }
  return `${JSON.stringify(doc, null, 4)}\n`;
}

/** Options for {@link buildArchive}. */
export interface ArchiveOptions {
  /**
   * Puts every entry under this folder, as GitHub's zipballs do (`Seldaek-monolog-f259e2b/…`);
   * Composer strips a single top-level folder when it extracts.
   */
  rootDirectory?: string;
}

/** The files of a plain library: its composer.json, each file its `autoload.files` names, a README. */
function libraryFiles(spec: VersionSpec, revision: number, encode: (text: string) => Uint8Array): Zippable {
  const files: Zippable = {};
  const autoloadFiles = spec.autoload?.files;
  if (Array.isArray(autoloadFiles)) {
    for (const file of autoloadFiles) {
      if (typeof file === 'string') files[file] = encode(`<?php\n// ${spec.name} ${spec.version}\n`);
    }
  }
  files['README.md'] = encode(`# ${spec.name}\n\n${spec.description}${revision > 0 ? ` (repackaged build ${revision})` : ''}\n`);
  return files;
}

function nested(files: Zippable, rootDirectory: string | undefined): Zippable {
  if (rootDirectory === undefined) return files;
  return { [rootDirectory]: files };
}

/**
 * Builds the zip for one package version. `revision` 0 is the original release; a higher
 * revision is the same version "republished" with different bytes. A project template's
 * composer.json lists `upstreamUrl` under `repositories`.
 */
export function buildArchive(spec: VersionSpec, revision: number, upstreamUrl?: string, options: ArchiveOptions = {}): Uint8Array {
  const enc = new TextEncoder();
  const files: Zippable = { 'composer.json': enc.encode(composerJson(spec, upstreamUrl)) };
  if (spec.type === 'project') {
    files['README.md'] = enc.encode(`# ${spec.name}\n\nA Magento project${revision > 0 ? ` (repackaged build ${revision})` : ''}.\n`);
    return zipSync(nested(files, options.rootDirectory), { level: 6, mtime: ZIP_MTIME });
  }
  if (spec.type === 'library') {
    Object.assign(files, libraryFiles(spec, revision, (text) => enc.encode(text)));
    return zipSync(nested(files, options.rootDirectory), { level: 6, mtime: ZIP_MTIME });
  }
  files['registration.php'] = enc.encode(registrationPhp(spec, revision));
  if (spec.type === 'magento2-module') {
    const moduleXml = `<?xml version="1.0"?>\n<config xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="urn:magento:framework:Module/etc/module.xsd">\n    <module name="${componentName(spec)}"/>\n</config>\n`;
    files['etc/module.xml'] = enc.encode(moduleXml);
  }
  if (spec.payloadBytes > 0) {
    const seed = fnv1a(`${spec.name}@${spec.version}#${revision}`);
    files['pub/static/deployed_payload.bin'] = [pseudoRandomBytes(spec.payloadBytes, seed), { level: 0 }];
  }
  return zipSync(nested(files, options.rootDirectory), { level: 6, mtime: ZIP_MTIME });
}
