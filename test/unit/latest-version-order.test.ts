import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareNormalized } from '../../src/archives/archive-warm.js';

/** `repogate cache warm --all-latest` picks each package's newest version by Composer's order of normalised versions. */
void describe('the newest of normalised versions', () => {
  void test('orders patches by number, releases after their pre-releases, patches after their release', () => {
    const newestFirst = [
      '2.4.8.0',
      '2.4.8.0-RC2',
      '2.4.8.0-beta1',
      '2.4.7.0-patch12',
      '2.4.7.0-patch10',
      '2.4.7.0-patch9',
      '2.4.7.0-patch1',
      '2.4.7.0',
      '2.4.7.0-alpha3',
      '2.4.6.0',
      '103.0.7.0-patch3',
    ];
    const sorted = [...newestFirst].sort((a, b) => compareNormalized(b, a));
    assert.deepEqual(sorted, ['103.0.7.0-patch3', ...newestFirst.slice(0, -1)]);
    assert.equal(compareNormalized('2.4.7.0-patch10', '2.4.7.0-patch9') > 0, true);
    assert.equal(compareNormalized('1.0.0.0', '1.0.0.0'), 0);
  });
});
