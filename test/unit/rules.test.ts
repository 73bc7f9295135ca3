import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRepogateError } from '../../src/errors.js';
import { isValidPackageName, parseRule, parseRules, rulesAllow } from '../../src/registry/rules.js';

interface Case {
  readonly name: string;
  readonly rules: readonly string[];
  readonly allowed: readonly string[];
  readonly denied: readonly string[];
}

const cases: readonly Case[] = [
  {
    name: 'exact package name',
    rules: ['magento/product-community-edition'],
    allowed: ['magento/product-community-edition'],
    denied: ['magento/product-enterprise-edition', 'magento/product-community-edition-x', 'other/product-community-edition'],
  },
  {
    name: 'vendor/*',
    rules: ['magento/*'],
    allowed: ['magento/framework', 'magento/module-catalog'],
    denied: ['magentox/framework', 'amasty/base', 'xmagento/framework'],
  },
  {
    name: '*/* allows every package',
    rules: ['*/*'],
    allowed: ['magento/framework', 'amasty/base', 'a/b'],
    denied: [],
  },
  {
    name: 'glob inside a segment',
    rules: ['magento/module-*'],
    allowed: ['magento/module-catalog', 'magento/module-'],
    denied: ['magento/module', 'magento/framework', 'magento/language-de_de', 'amasty/module-base'],
  },
  {
    name: 'glob in the vendor segment does not cross the slash',
    rules: ['mag*/*'],
    allowed: ['magento/framework', 'mag/x'],
    denied: ['amasty/magento'],
  },
  {
    name: 'a dot is literal, not a wildcard',
    rules: ['foo.bar/*'],
    allowed: ['foo.bar/baz'],
    denied: ['fooxbar/baz'],
  },
  {
    name: 'negation takes away from an earlier rule',
    rules: ['magento/*', '!magento/module-b2b*'],
    allowed: ['magento/module-catalog', 'magento/framework'],
    denied: ['magento/module-b2b', 'magento/module-b2b-quote', 'amasty/base'],
  },
  {
    name: 'last match wins: a later allow overrides an earlier negation',
    rules: ['!magento/module-b2b', 'magento/*'],
    allowed: ['magento/module-b2b', 'magento/framework'],
    denied: ['amasty/base'],
  },
  {
    name: 'last match wins: allow, take away, give back',
    rules: ['*/*', '!magento/*', 'magento/framework'],
    allowed: ['amasty/base', 'magento/framework'],
    denied: ['magento/module-catalog'],
  },
  {
    name: 'only negations allow nothing',
    rules: ['!magento/*'],
    allowed: [],
    denied: ['magento/framework', 'amasty/base'],
  },
  {
    name: 'no rules: nothing matches, nothing allowed',
    rules: [],
    allowed: [],
    denied: ['magento/framework'],
  },
];

void describe('package rule matching', () => {
  for (const c of cases) {
    void test(c.name, () => {
      const rules = parseRules(c.rules);
      for (const name of c.allowed) assert.equal(rulesAllow(rules, name), true, `${c.rules.join(' ')} should allow ${name}`);
      for (const name of c.denied) assert.equal(rulesAllow(rules, name), false, `${c.rules.join(' ')} should deny ${name}`);
    });
  }

  void test('parseRule splits off the negation', () => {
    assert.deepEqual(
      [parseRule('!magento/*').negated, parseRule('!magento/*').glob, parseRule('magento/*').negated],
      [true, 'magento/*', false],
    );
  });
});

void describe('invalid rules are rejected with VALIDATION naming the rule', () => {
  const invalid = [
    ['uppercase', 'Magento/*'],
    ['uppercase name', 'magento/Module-Catalog'],
    ['no slash', 'magento'],
    ['glob without slash', 'magento*'],
    ['empty', ''],
    ['only spaces', '   '],
    ['space inside', 'magento/ module'],
    ['space in the vendor', 'mage nto/module'],
    ['two slashes', 'magento/module/x'],
    ['empty name', 'magento/'],
    ['empty vendor', '/module'],
    ['only a negation', '!'],
    ['double negation', '!!magento/*'],
  ] as const;
  for (const [what, rule] of invalid) {
    void test(`${what}: ${JSON.stringify(rule)}`, () => {
      assert.throws(
        () => parseRule(rule),
        (error: unknown) => isRepogateError(error) && error.code === 'VALIDATION' && error.message.includes(`"${rule}"`),
      );
    });
  }

  void test('parseRules rejects the list when one rule is bad', () => {
    assert.throws(() => parseRules(['magento/*', 'BAD']), (error: unknown) => isRepogateError(error) && error.exitCode === 2);
  });
});

void describe('package names', () => {
  void test('valid and invalid Composer package names', () => {
    for (const name of ['magento/framework', 'magento/module-catalog', 'amasty/base', 'a/b', 'vendor.x/name_y', 'v/n--x']) {
      assert.equal(isValidPackageName(name), true, name);
    }
    for (const name of ['Magento/framework', 'magento', 'magento/', '/x', 'magento/-x', 'magento/x-', 'a/b/c', `a/${'b'.repeat(214)}`]) {
      assert.equal(isValidPackageName(name), false, name);
    }
  });
});
