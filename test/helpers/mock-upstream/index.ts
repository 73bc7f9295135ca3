/** The mock repo.magento.com used by tests, benchmarks and the demo. */
export { startMockUpstream, DEFAULT_UPSTREAM_PASSWORD, DEFAULT_UPSTREAM_USERNAME } from './server.js';
export type { FailureMode, MockUpstream, MockUpstreamOptions, RecordedRequest, UpstreamLayout } from './server.js';
export { PackageSet, createMagentoPackageSet } from './package-set.js';
export type { PackageVersion, VersionKind } from './package-set.js';
export { DocumentStore, RenderedDocument } from './layouts.js';
export { defaultCatalog, marketplaceModule, CE_MODULES, EE_MODULES, PHP_CONSTRAINT } from './catalog.js';
export type { PackageType, VersionSpec } from './catalog.js';
export { expandVersions, isJsonObject, jsonIdentical, minifyVersions, phpJsonEncode, UNSET_MARKER } from './php-json.js';
export type { JsonObject, JsonPrimitive, JsonValue } from './php-json.js';
export { compareVersions, normalizeVersion, stabilityOf } from './versions.js';
export { buildArchive, pseudoRandomBytes } from './archives.js';
export type { ArchiveOptions } from './archives.js';
