import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { escapeHtml, html, raw, SafeHtml, type HtmlValue } from '../../src/admin/web/views/html.js';

const entity = /&(?:amp|lt|gt|quot|#39);/g;

/** Any code point, and lone surrogates (fast-check's own 'binary' unit takes seconds to warm up). */
const anyChar = fc.oneof(
  fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
);

/** The text a browser reads back from escaped output (for the five entities escapeHtml writes). */
function unescape(text: string): string {
  const chars: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };
  return text.replace(entity, (e) => chars[e] ?? e);
}

void describe('escapeHtml', () => {
  void test('each special character becomes its entity', () => {
    assert.equal(escapeHtml('&'), '&amp;');
    assert.equal(escapeHtml('<'), '&lt;');
    assert.equal(escapeHtml('>'), '&gt;');
    assert.equal(escapeHtml('"'), '&quot;');
    assert.equal(escapeHtml("'"), '&#39;');
    assert.equal(escapeHtml(`<script>alert("x" + 'y' & 1)</script>`), '&lt;script&gt;alert(&quot;x&quot; + &#39;y&#39; &amp; 1)&lt;/script&gt;');
  });

  void test('an existing entity is escaped again: text is text', () => {
    assert.equal(escapeHtml('&amp; &lt;'), '&amp;amp; &amp;lt;');
  });

  void test('everything else is left as it is', () => {
    const plain = 'ci-job/main 2024 — ünïcode ✓ `backticks` = / \\ \u0000 \n';
    assert.equal(escapeHtml(plain), plain);
    assert.equal(escapeHtml(''), '');
  });

  void test('property: no raw special character is left, only whole entities, and the text reads back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100, unit: fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", ';', '#', 'a', '1'), anyChar) }), (text) => {
        const escaped = escapeHtml(text);
        assert.ok(!/[<>"'&]/.test(escaped.replace(entity, '')), escaped);
        assert.equal(unescape(escaped), text);
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('the html template tag', () => {
  void test('escapes values in text and in attributes', () => {
    const name = `"><img src=x onerror=alert('k')>`;
    const out = html`<td title="${name}">${name}</td>`;
    assert.ok(out instanceof SafeHtml);
    assert.equal(
      out.value,
      '<td title="&quot;&gt;&lt;img src=x onerror=alert(&#39;k&#39;)&gt;">&quot;&gt;&lt;img src=x onerror=alert(&#39;k&#39;)&gt;</td>',
    );
  });

  void test("nested templates and raw markup are not escaped again; lists are joined, each item escaped", () => {
    const rows = ['<a>', 'b&c'].map((n) => html`<li>${n}</li>`);
    assert.equal(html`<ul>${rows}</ul>`.value, '<ul><li>&lt;a&gt;</li><li>b&amp;c</li></ul>');
    assert.equal(html`<p>${raw('<b>bold</b>')}</p>`.value, '<p><b>bold</b></p>');
    assert.equal(html`${['<x>', raw('<y>'), ['<z>', 1]]}`.value, '&lt;x&gt;<y>&lt;z&gt;1');
  });

  void test('false, null and undefined render nothing; true and numbers (0 too) render as text', () => {
    assert.equal(html`[${false}|${null}|${undefined}]`.value, '[||]');
    assert.equal(html`[${true}|${0}|${-1.5}|${Number.NaN}]`.value, '[true|0|-1.5|NaN]');
    for (const on of [true, false]) {
      assert.equal(html`<p>${on && html`<b>on</b>`}${!on && html`<b>off</b>`}</p>`.value, on ? '<p><b>on</b></p>' : '<p><b>off</b></p>');
    }
  });

  void test('a template without values is its text; the result reads as a string', () => {
    const out = html`<hr>`;
    assert.equal(out.value, '<hr>');
    assert.equal(String(out), '<hr>');
    assert.equal(`${html`<i>${'&'}</i>`}`, '<i>&amp;</i>');
  });

  void test('an object that only looks like safe markup is escaped as text', () => {
    const fake = { value: '<script>x</script>' } as unknown as HtmlValue;
    assert.equal(html`${fake}`.value, '[object Object]');
  });

  void test('property: interpolated text never adds markup, in any position', () => {
    const text = fc.string({ maxLength: 60, unit: fc.oneof(fc.constantFrom('&', '<', '>', '"', "'", '=', ' ', '/'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) });
    const value: fc.Arbitrary<HtmlValue> = fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.integer(), fc.constantFrom(null, undefined, false, true));
    fc.assert(
      fc.property(value, value, value, (a, b, c) => {
        const out = html`<div class="${a}" data-x='${b}'>${c}</div>`.value;
        const markup = out.replace(entity, '');
        assert.equal([...markup.matchAll(/</g)].length, 2, out);
        assert.equal([...markup.matchAll(/>/g)].length, 2, out);
        assert.equal([...markup.matchAll(/"/g)].length, 2, out);
        assert.equal([...markup.matchAll(/'/g)].length, 2, out);
        assert.ok(!markup.includes('&'), out);
      }),
      { numRuns: 500 },
    );
  });
});
