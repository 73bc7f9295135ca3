import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

// The project's own lint configuration, as `npm run lint` loads it, asked about imports that would
// run against the layer order written in eslint.config.js (or keep it).
const root = fileURLToPath(new URL('../../../', import.meta.url));

const eslint = new ESLint({
  cwd: root,
  // Only the import rules: the typed rules need the file on disk in the TypeScript project.
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});

async function importMessages(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).map((m) => m.message);
}

void describe('the layer rule in npm run lint', () => {
  void test('a lower layer importing a higher one fails, naming both folders and the order', async () => {
    const messages = await importMessages(
      'src/registry/layer-probe.ts',
      "import type { Answer } from '../composer/answer.js';\nexport type A = Answer;\n",
    );
    assert.equal(messages.length, 1);
    assert.match(messages[0] ?? '', /src\/registry\/ may not import from src\/composer\/: the layers \(eslint\.config\.js\) run registry → metrics → .* → cli\.$/);
  });

  void test('the back edges the layer order removed stay refused', async () => {
    const cases: Array<[string, string, RegExp]> = [
      ['src/upstream/probe.ts', '../composer/answer.js', /src\/upstream\/ may not import from src\/composer\//],
      ['src/http/probe.ts', '../composer/answer.js', /src\/http\/ may not import from src\/composer\//],
      ['src/metrics/probe.ts', '../http/responses.js', /src\/metrics\/ may not import from src\/http\//],
      ['src/archives/probe.ts', '../cli/arguments.js', /src\/archives\/ may not import from src\/cli\//],
      ['src/composer/probe.ts', '../server.js', /src\/composer\/ may not import the composition root/],
    ];
    for (const [file, target, expected] of cases) {
      const messages = await importMessages(file, `import '${target}';\n`);
      assert.equal(messages.length, 1, `${file} importing ${target}`);
      assert.match(messages[0] ?? '', expected);
    }
  });

  void test('an import down the order passes', async () => {
    assert.deepEqual(await importMessages('src/composer/probe.ts', "import '../registry/keys.js';\nimport '../http/responses.js';\n"), []);
  });
});
