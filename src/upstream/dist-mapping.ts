import type { VersionEntry } from './minified-metadata.js';

/**
 * How a source's dist (and source) URLs become paths on repogate, and back. The `default` source
 * keeps the paths it has always had (the upstream's own, `url-rewriter.ts`); a source added to the
 * registry puts every dist under `/dists/<source>/…` (`source-dist-paths.ts`).
 */
export interface DistMapping {
  /** The source's name. */
  readonly source: string;
  /**
   * The path (below the public base) repogate serves the dist or source `url` of `entry` (a version
   * of `packageName`) under, or undefined when the URL is left alone.
   */
  pathOf(url: string, entry: VersionEntry, packageName: string): string | undefined;
  /** What becomes of `source` references (git URLs): rewritten like dists (`pathOf`), or dropped. */
  readonly sourceReferences: 'rewrite' | 'drop';
  /** A URL on the source itself (a project template's `repositories`) pointed at `base`, or undefined. */
  toPublic(url: string, base: string): string | undefined;
}
