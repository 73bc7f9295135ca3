/**
 * The package catalogue the mock serves: a deterministic, offline-resolvable imitation of what
 * repo.magento.com offers a key with Magento Open Source, Adobe Commerce and a few Marketplace
 * extensions. Nothing here requires a packagist.org package, so a resolve needs no network.
 */
import type { JsonObject } from './php-json.js';

/** Composer package types the catalogue uses. */
export type PackageType =
  | 'metapackage'
  | 'magento2-module'
  | 'magento2-library'
  | 'magento2-component'
  | 'magento2-theme'
  | 'magento2-language'
  /** A project template (`composer create-project`); its archive's composer.json names the upstream. */
  | 'project'
  /** A plain PHP library, as most packagist.org packages are (no Magento registration). */
  | 'library';

/** One version of one package, as the catalogue describes it (before the mock assigns uids). */
export interface VersionSpec {
  readonly name: string;
  readonly version: string;
  readonly type: PackageType;
  readonly description: string;
  readonly license: readonly string[];
  readonly require: Readonly<Record<string, string>>;
  readonly autoload?: JsonObject;
  readonly extra?: JsonObject;
  /** ISO-8601 release time, `2024-04-09T08:15:03+00:00` style. */
  readonly time: string;
  /** False for metapackages (no archive). */
  readonly dist: boolean;
  /** Size of the pseudo-random payload added to the archive (0 for an ordinary small archive). */
  readonly payloadBytes: number;
}

/** The PHP constraint every package in the catalogue requires. */
export const PHP_CONSTRAINT = '~8.1.0||~8.2.0||~8.3.0';
const OSL_AFL = ['OSL-3.0', 'AFL-3.0'] as const;
const PROPRIETARY = ['proprietary'] as const;

/** Magento Open Source releases: the metapackage version and what it pins. */
interface Release {
  readonly version: string;
  readonly patch: 6 | 7;
  readonly framework: string;
  readonly base: string;
  readonly time: string;
}

const RELEASES: readonly Release[] = [
  { version: '2.4.6', patch: 6, framework: '103.0.6', base: '2.4.6', time: '2023-03-14T06:25:32+00:00' },
  { version: '2.4.7', patch: 7, framework: '103.0.7', base: '2.4.7', time: '2024-04-09T08:15:03+00:00' },
  { version: '2.4.7-p1', patch: 7, framework: '103.0.7-p1', base: '2.4.7-p1', time: '2024-06-11T10:21:44+00:00' },
];

/** `magento/module-*` packages of Magento Open Source (real names). */
export const CE_MODULES: readonly string[] = [
  'admin-adobe-ims', 'admin-analytics', 'admin-notification', 'adobe-ims', 'adobe-ims-api',
  'advanced-pricing-import-export', 'advanced-search', 'amqp', 'analytics',
  'application-performance-monitor', 'async-config', 'asynchronous-operations', 'authorization', 'aws-s3',
  'backend', 'backup', 'bundle', 'bundle-graph-ql', 'bundle-import-export', 'cache-invalidate', 'captcha',
  'cardinal-commerce', 'catalog', 'catalog-analytics', 'catalog-graph-ql', 'catalog-import-export',
  'catalog-inventory', 'catalog-inventory-graph-ql', 'catalog-rule', 'catalog-rule-configurable',
  'catalog-rule-graph-ql', 'catalog-search', 'catalog-url-rewrite', 'catalog-url-rewrite-graph-ql',
  'catalog-widget', 'checkout', 'checkout-agreements', 'cms', 'cms-graph-ql', 'cms-url-rewrite', 'config',
  'configurable-import-export', 'configurable-product', 'configurable-product-graph-ql',
  'configurable-product-sales', 'contact', 'cookie', 'cron', 'csp', 'currency-symbol', 'customer',
  'customer-analytics', 'customer-graph-ql', 'customer-import-export', 'deploy', 'developer', 'dhl',
  'directory', 'downloadable', 'downloadable-graph-ql', 'downloadable-import-export', 'eav', 'elasticsearch',
  'email', 'encryption-key', 'fedex', 'gift-message', 'google-adwords', 'google-analytics', 'google-gtag',
  'google-optimizer', 'graph-ql', 'graph-ql-cache', 'graph-ql-new-relic', 'graph-ql-resolver-cache',
  'grouped-catalog-inventory', 'grouped-import-export', 'grouped-product', 'grouped-product-graph-ql',
  'import-export', 'indexer', 'instant-purchase', 'integration', 'jwt-framework-adapter', 'jwt-user-token',
  'layered-navigation', 'login-as-customer', 'login-as-customer-admin-ui', 'login-as-customer-api',
  'login-as-customer-assistance', 'login-as-customer-frontend-ui', 'login-as-customer-graph-ql',
  'login-as-customer-log', 'login-as-customer-page-cache', 'login-as-customer-quote',
  'login-as-customer-sales', 'media-content', 'media-content-api', 'media-content-catalog',
  'media-content-cms', 'media-content-synchronization', 'media-content-synchronization-api', 'media-gallery',
  'media-gallery-api', 'media-gallery-catalog', 'media-gallery-catalog-ui', 'media-gallery-cms-ui',
  'media-gallery-integration', 'media-gallery-metadata', 'media-gallery-metadata-api',
  'media-gallery-renditions', 'media-gallery-renditions-api', 'media-gallery-synchronization',
  'media-gallery-synchronization-api', 'media-gallery-ui', 'media-gallery-ui-api', 'media-storage',
  'message-queue', 'msrp', 'msrp-configurable-product', 'msrp-grouped-product', 'multishipping', 'mysql-mq',
  'new-relic-reporting', 'newsletter', 'offline-payments', 'offline-shipping', 'open-search',
  'order-cancellation', 'order-cancellation-graph-ql', 'order-cancellation-ui', 'page-cache', 'payment',
  'paypal', 'paypal-captcha', 'persistent', 'product-alert', 'product-video', 'quote', 'quote-analytics',
  'quote-bundle-options', 'quote-configurable-options', 'quote-downloadable-links', 'quote-graph-ql',
  'release-notification', 'remote-storage', 'reports', 'require-js', 'review', 'review-analytics', 'robots',
  'rss', 'rule', 'sales', 'sales-analytics', 'sales-graph-ql', 'sales-inventory', 'sales-rule',
  'sales-sequence', 'sample-data', 'search', 'security', 'send-friend', 'shipping', 'sitemap', 'store',
  'store-graph-ql', 'swagger', 'swagger-webapi', 'swagger-webapi-async', 'swatches',
  'swatches-layered-navigation', 'tax', 'tax-import-export', 'theme', 'translation', 'ui', 'ups',
  'url-rewrite', 'user', 'usps', 'variable', 'vault', 'webapi', 'webapi-async', 'webapi-security', 'weee',
  'widget', 'wishlist', 'wishlist-analytics',
];

/** Modules new in 2.4.7 (2.4.6 does not require them; they have a single version). */
const SINCE_247 = new Set([
  'application-performance-monitor', 'graph-ql-new-relic', 'graph-ql-resolver-cache', 'order-cancellation',
  'order-cancellation-graph-ql', 'order-cancellation-ui',
]);

/** Adobe Commerce-only modules (required by `magento/product-enterprise-edition` alone). */
export const EE_MODULES: readonly string[] = [
  'admin-gws', 'advanced-checkout', 'banner', 'catalog-event', 'catalog-staging', 'cms-staging',
  'customer-balance', 'customer-segment', 'gift-card', 'gift-registry', 'gift-wrapping', 'invitation',
  'logging', 'multiple-wishlist', 'reward', 'rma', 'scheduled-import-export', 'staging', 'target-rule',
  'versions-cms',
];

const SERIES_OVERRIDES: Record<string, string> = {
  backend: '102.0', catalog: '104.0', 'catalog-inventory': '100.4', cms: '104.0', config: '101.2',
  customer: '103.0', directory: '100.4', eav: '102.1', quote: '101.2', sales: '103.0', store: '101.1',
  theme: '101.1', ui: '101.3', checkout: '100.4', 'graph-ql': '100.4', 'media-storage': '100.4',
  staging: '101.2', 'gift-card': '101.3', reward: '101.2', 'customer-segment': '102.1',
};
const SERIES_POOL = ['100.4', '100.4', '100.4', '100.4', '101.0', '101.1', '101.2', '102.0', '103.0'];
const CORE_DEPS = ['store', 'backend', 'eav', 'catalog', 'customer', 'quote', 'sales', 'theme', 'ui', 'config', 'directory', 'media-storage'];

/** FNV-1a 32-bit hash of a string (deterministic choices and PRNG seeds). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function seriesOf(module: string): string {
  return SERIES_OVERRIDES[module] ?? SERIES_POOL[fnv1a(module) % SERIES_POOL.length] ?? '100.4';
}

function studly(part: string): string {
  return part
    .split('-')
    .map((w) => (w === 'graph' ? 'Graph' : w === 'ql' ? 'Ql' : w.charAt(0).toUpperCase() + w.slice(1)))
    .join('');
}

function moduleAutoload(vendorNs: string, module: string): JsonObject {
  return { files: ['registration.php'], 'psr-4': { [`${vendorNs}\\${studly(module)}\\`]: '' } };
}

function moduleDeps(module: string, pool: readonly string[]): Record<string, string> {
  const deps: Record<string, string> = {};
  const h = fnv1a(`deps:${module}`);
  const count = h % 4;
  for (let i = 0; i < count; i++) {
    const dep = pool[(h >>> (i * 5 + 2)) % pool.length];
    if (dep === undefined || dep === module) continue;
    deps[`magento/module-${dep}`] = `${seriesOf(dep)}.*`;
  }
  if (module.endsWith('-graph-ql') && module !== 'graph-ql') {
    deps['magento/module-graph-ql'] = `${seriesOf('graph-ql')}.*`;
    const base = module.slice(0, -'-graph-ql'.length);
    if (CE_MODULES.includes(base) && !SINCE_247.has(base)) deps[`magento/module-${base}`] = `${seriesOf(base)}.*`;
  }
  return deps;
}

function moduleSpec(module: string, patch: 6 | 7, time: string, ee: boolean): VersionSpec {
  const series = ee ? (SERIES_OVERRIDES[module] ?? (fnv1a(module) % 2 === 0 ? '100.4' : '101.0')) : seriesOf(module);
  const require: Record<string, string> = { php: PHP_CONSTRAINT, 'magento/framework': '103.0.*' };
  Object.assign(require, moduleDeps(module, CORE_DEPS));
  if (ee) require['magento/module-catalog'] = `${seriesOf('catalog')}.*`;
  if (ee && module.endsWith('-staging') && module !== 'staging') require['magento/module-staging'] = `${SERIES_OVERRIDES.staging ?? '101.2'}.*`;
  return {
    name: `magento/module-${module}`,
    version: `${series}.${patch}`,
    type: 'magento2-module',
    description: 'N/A',
    license: ee ? PROPRIETARY : OSL_AFL,
    require,
    autoload: moduleAutoload('Magento', module),
    time,
    dist: true,
    payloadBytes: 0,
  };
}

interface SimpleLibrary {
  readonly name: string;
  readonly type: PackageType;
  readonly versions: Readonly<Record<6 | 7, string>>;
  readonly namespace: string;
}

const LIBRARIES: readonly SimpleLibrary[] = [
  { name: 'magento/framework-amqp', type: 'magento2-library', versions: { 6: '100.4.4', 7: '100.4.5' }, namespace: 'Magento\\Framework\\Amqp\\' },
  { name: 'magento/framework-bulk', type: 'magento2-library', versions: { 6: '101.0.2', 7: '101.0.3' }, namespace: 'Magento\\Framework\\Bulk\\' },
  { name: 'magento/framework-message-queue', type: 'magento2-library', versions: { 6: '100.4.6', 7: '100.4.7' }, namespace: 'Magento\\Framework\\MessageQueue\\' },
  { name: 'magento/theme-adminhtml-backend', type: 'magento2-theme', versions: { 6: '100.4.6', 7: '100.4.7' }, namespace: '' },
  { name: 'magento/theme-frontend-blank', type: 'magento2-theme', versions: { 6: '100.4.6', 7: '100.4.7' }, namespace: '' },
  { name: 'magento/theme-frontend-luma', type: 'magento2-theme', versions: { 6: '100.4.6', 7: '100.4.7' }, namespace: '' },
];
const LANGUAGES = ['de_de', 'en_us', 'es_es', 'fr_fr', 'nl_nl', 'pt_br', 'zh_hans_cn'];

function libraryAutoload(namespace: string): JsonObject {
  return namespace === '' ? { files: ['registration.php'] } : { files: ['registration.php'], 'psr-4': { [namespace]: '' } };
}

function openSourceSpecs(): VersionSpec[] {
  const specs: VersionSpec[] = [];
  const seen = new Set<string>();
  const add = (spec: VersionSpec): void => {
    const key = `${spec.name}@${spec.version}`;
    if (seen.has(key)) return;
    seen.add(key);
    specs.push(spec);
  };
  for (const lang of LANGUAGES) {
    add({
      name: `magento/language-${lang}`, version: '100.4.0', type: 'magento2-language', description: 'N/A',
      license: OSL_AFL, require: { 'magento/framework': '103.0.*' }, autoload: { files: ['registration.php'] },
      time: '2020-07-28T08:01:12+00:00', dist: true, payloadBytes: 0,
    });
  }
  for (const release of RELEASES) {
    const patch = release.patch;
    add({
      name: 'magento/framework', version: release.framework, type: 'magento2-library',
      description: 'N/A', license: OSL_AFL, require: { php: PHP_CONSTRAINT },
      autoload: libraryAutoload('Magento\\Framework\\'), time: release.time, dist: true, payloadBytes: 0,
    });
    add({
      name: 'magento/magento2-base', version: release.base, type: 'magento2-component',
      description: 'Magento 2 (Open Source)', license: OSL_AFL, require: { php: PHP_CONSTRAINT },
      extra: { 'component_paths': { 'trentrichardson/jquery-timepicker-addon': 'lib/web/jquery/jquery-ui-timepicker-addon.js' } },
      time: release.time, dist: true, payloadBytes: 1_536_000,
    });
    for (const lib of LIBRARIES) {
      add({
        name: lib.name, version: lib.versions[patch], type: lib.type, description: 'N/A', license: OSL_AFL,
        require: { php: PHP_CONSTRAINT, 'magento/framework': '103.0.*' }, autoload: libraryAutoload(lib.namespace),
        time: release.time, dist: true, payloadBytes: 0,
      });
    }
    const modules = CE_MODULES.filter((m) => patch === 7 || !SINCE_247.has(m));
    for (const module of modules) add(moduleSpec(module, patch, release.time, false));

    const require: Record<string, string> = {
      php: PHP_CONSTRAINT,
      'magento/framework': release.framework,
      'magento/magento2-base': release.base,
    };
    for (const lib of LIBRARIES) require[lib.name] = lib.versions[patch];
    for (const lang of LANGUAGES) require[`magento/language-${lang}`] = '100.4.0';
    for (const module of modules) require[`magento/module-${module}`] = `${seriesOf(module)}.${patch}`;
    add({
      name: 'magento/product-community-edition', version: release.version, type: 'metapackage',
      description: 'eCommerce Platform for Growth (Community Edition)', license: OSL_AFL, require,
      time: release.time, dist: false, payloadBytes: 0,
    });
    // The template of Magento's install guide (`composer create-project … magento/project-community-edition`).
    add({
      name: 'magento/project-community-edition', version: release.version, type: 'project',
      description: 'eCommerce Platform for Growth (Community Edition)', license: OSL_AFL,
      require: { 'magento/product-community-edition': release.version },
      time: release.time, dist: true, payloadBytes: 0,
    });

    add({
      name: 'magento/magento2-ee-base', version: release.base, type: 'magento2-component',
      description: 'Magento 2 (Commerce)', license: PROPRIETARY, require: { php: PHP_CONSTRAINT, 'magento/magento2-base': release.base },
      time: release.time, dist: true, payloadBytes: 0,
    });
    for (const module of EE_MODULES) add(moduleSpec(module, patch, release.time, true));
    const eeRequire: Record<string, string> = {
      'magento/product-community-edition': release.version,
      'magento/magento2-ee-base': release.base,
    };
    for (const module of EE_MODULES) {
      const spec = moduleSpec(module, patch, release.time, true);
      eeRequire[spec.name] = spec.version;
    }
    add({
      name: 'magento/product-enterprise-edition', version: release.version, type: 'metapackage',
      description: 'eCommerce Platform for Growth (Enterprise Edition)', license: PROPRIETARY, require: eeRequire,
      time: release.time, dist: false, payloadBytes: 0,
    });
  }
  return specs;
}

interface MarketplaceVersion {
  readonly version: string;
  readonly time: string;
  readonly require: Readonly<Record<string, string>>;
  readonly extra?: JsonObject;
}

function marketplace(name: string, namespace: string, description: string, versions: readonly MarketplaceVersion[]): VersionSpec[] {
  return versions.map((v) => ({
    name, version: v.version, type: 'magento2-module' as const, description, license: PROPRIETARY,
    require: { php: PHP_CONSTRAINT, ...v.require },
    autoload: { files: ['registration.php'], 'psr-4': { [namespace]: '' } },
    ...(v.extra ? { extra: v.extra } : {}),
    time: v.time, dist: true, payloadBytes: 0,
  }));
}

function marketplaceSpecs(): VersionSpec[] {
  const fw = { 'magento/framework': '103.0.*' };
  return [
    ...marketplace('amasty/base', 'Amasty\\Base\\', 'Amasty Base', [
      { version: '1.16.0', time: '2023-11-02T12:00:41+00:00', require: fw },
      { version: '1.17.0', time: '2024-03-19T09:42:10+00:00', require: fw },
    ]),
    ...marketplace('amasty/module-shop-by-brand', 'Amasty\\ShopbyBrand\\', 'Shop by Brand for Magento 2', [
      { version: '2.14.0', time: '2023-12-05T15:10:00+00:00', require: { ...fw, 'amasty/base': '^1.16', 'magento/module-catalog': '104.0.*' } },
      { version: '2.15.1', time: '2024-05-14T07:30:22+00:00', require: { ...fw, 'amasty/base': '^1.17', 'magento/module-catalog': '104.0.*' } },
    ]),
    ...marketplace('mageplaza/module-core', 'Mageplaza\\Core\\', 'Mageplaza Core', [
      { version: '1.5.6', time: '2023-09-20T03:11:05+00:00', require: { 'magento/framework': '100.1.*|100.2.*|100.3.*|101.0.*|102.0.*|103.0.*' } },
      { version: '1.5.7', time: '2024-04-22T04:01:37+00:00', require: { 'magento/framework': '100.1.*|100.2.*|100.3.*|101.0.*|102.0.*|103.0.*' } },
    ]),
    ...marketplace('mageplaza/module-smtp', 'Mageplaza\\Smtp\\', 'SMTP Extension for Magento 2', [
      {
        version: 'dev-main', time: '2024-07-02T11:45:00+00:00', require: { 'mageplaza/module-core': '^1.5' },
        extra: { 'branch-alias': { 'dev-main': '4.8.x-dev' } },
      },
      { version: '4.7.5', time: '2023-10-10T08:00:00+00:00', require: { 'mageplaza/module-core': '^1.5' } },
      { version: '4.7.6', time: '2024-05-02T08:00:00+00:00', require: { 'mageplaza/module-core': '^1.5.7' } },
    ]),
    ...marketplace('yotpo/module-review', 'Yotpo\\Reviews\\', 'Yotpo Reviews extension for Magento 2', [
      { version: '4.1.0', time: '2023-02-01T10:00:00+00:00', require: { ...fw, 'magento/module-review': `${seriesOf('review')}.*` } },
      { version: '4.2.0', time: '2023-08-15T10:00:00+00:00', require: { ...fw, 'magento/module-review': `${seriesOf('review')}.*` } },
      { version: '4.3.1', time: '2024-04-30T10:00:00+00:00', require: fw, extra: { 'yotpo-api': 'v3' } },
      { version: 'dev-main', time: '2024-07-20T16:03:12+00:00', require: fw },
    ]),
  ];
}

/**
 * One version of a Marketplace-style extension (a proprietary `magento2-module` requiring PHP and
 * `magento/framework`), for tests that need an upstream with packages of its own, as each
 * merchant's purchases differ.
 */
export function marketplaceModule(
  name: string,
  version: string,
  options: { require?: Readonly<Record<string, string>>; time?: string; description?: string } = {},
): VersionSpec {
  const [vendor = '', pkg = ''] = name.split('/');
  const namespace = [vendor, pkg.replace(/^module-/, '')].map(studly).join('\\');
  return {
    name,
    version,
    type: 'magento2-module',
    description: options.description ?? `${studly(pkg.replace(/^module-/, ''))} for Magento 2`,
    license: PROPRIETARY,
    require: { php: PHP_CONSTRAINT, 'magento/framework': '103.0.*', ...options.require },
    autoload: { files: ['registration.php'], 'psr-4': { [`${namespace}\\`]: '' } },
    time: options.time ?? '2024-05-20T09:00:00+00:00',
    dist: true,
    payloadBytes: 0,
  };
}

/** Every version the default mock serves, in no particular order. */
export function defaultCatalog(): VersionSpec[] {
  return [...openSourceSpecs(), ...marketplaceSpecs()];
}
