// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a folder imports only from folders before it (and from the
 * root modules errors.ts, logger.ts, closers.ts, redact-url.ts, version.ts, which import no folder, and config.ts,
 * which uses the registry's validators). The
 * composition root (server.ts, main.ts, process-settings.ts) wires them all; only the CLI starts it.
 * Written once here; `npm run lint` enforces it (docs/decisions.md says why this order).
 */
const layers = ['registry', 'metrics', 'cache', 'access', 'upstream', 'http', 'archives', 'downloads', 'sources', 'composer', 'admin', 'cli'];
const compositionRoot = ['server', 'main', 'process-settings'];

/** `no-restricted-imports` for each layer: the layers above it, and the composition root. */
const layerRules = layers.map((layer, i) => ({
  files: [`src/${layer}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          ...layers.slice(i + 1).map((above) => ({
            group: [`**/${above}/*`, `**/${above}/**`],
            message: `src/${layer}/ may not import from src/${above}/: the layers (eslint.config.js) run ${layers.join(' → ')}.`,
          })),
          ...(layer === 'cli'
            ? []
            : [{ group: compositionRoot.map((m) => `**/${m}.js`), message: `src/${layer}/ may not import the composition root.` }]),
        ],
      },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'test-artifacts/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration in src/config.ts only.' }],
    },
  },
  ...layerRules,
  {
    files: ['src/errors.ts', 'src/logger.ts', 'src/closers.ts', 'src/redact-url.ts', 'src/version.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: layers.map((l) => `./${l}/**`), message: 'The root modules import no layer.' }] }],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'scripts/**/*.ts', 'bench/**/*.ts', 'test/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'test', 'it', 'suite'] }] },
      ],
    },
  },
  {
    files: ['src/config.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
