// The message renderer (static/js/format.js) on a fake DOM (fake-dom.js): the nodes it builds
// for each kind of markup, links that can only go to http(s), mentions, and spoilers that a
// click or the keyboard reveals.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { renderMessage, LINK_REL } = await import('../../static/js/format.js');
const ru = JSON.parse((await import('node:fs')).readFileSync(new URL('../../static/i18n/ru.json', import.meta.url), 'utf8'));

/** The rendered text in a <div>, to look at. */
function render(text, options) {
  const div = document.createElement('div');
  div.append(renderMessage(text, options));
  return div;
}

/** A compact picture of the nodes: tags with their children, texts as strings. */
function shape(node) {
  return node.childNodes.map((c) => (c.tagName ? { [c.tagName.toLowerCase()]: shape(c) } : c.textContent));
}

test('markup becomes the matching elements and the text stays text', () => {
  const div = render('**b** *i* __u__ ~~s~~ `c` <script>alert(1)</script>');
  assert.deepEqual(shape(div), [
    { strong: ['b'] }, ' ', { em: ['i'] }, ' ', { u: ['u'] }, ' ', { s: ['s'] }, ' ', { code: ['c'] },
    ' <script>alert(1)</script>',
  ]);
  assert.equal(div.findAll((el) => el.tagName === 'SCRIPT').length, 0);
});

test('a code block is a <pre><code> with its language, and a quote a <blockquote>', () => {
  const div = render('```rust\nfn main() {}\n```\n> **quoted**');
  const [pre, quote] = div.children;
  assert.equal(pre.tagName, 'PRE');
  assert.equal(pre.children[0].tagName, 'CODE');
  assert.equal(pre.children[0].getAttribute('data-lang'), 'rust');
  assert.equal(pre.textContent, 'fn main() {}');
  assert.equal(quote.tagName, 'BLOCKQUOTE');
  assert.deepEqual(shape(quote), [{ strong: ['quoted'] }]);
});

test('links open in a new tab without opener or referrer, and only to http(s)', () => {
  const div = render('go https://example.com/a?b=<c> or javascript:alert(1) or JaVaScRiPt:alert(2) or data:text/html,x');
  const links = div.findAll((el) => el.tagName === 'A');
  assert.equal(links.length, 1);
  const [a] = links;
  assert.equal(a.getAttribute('href'), 'https://example.com/a?b=');
  assert.equal(a.getAttribute('target'), '_blank');
  assert.equal(a.getAttribute('rel'), LINK_REL);
  assert.deepEqual(LINK_REL.split(' ').sort(), ['nofollow', 'noopener', 'noreferrer']);
  assert.match(div.textContent, /javascript:alert\(1\) or JaVaScRiPt:alert\(2\) or data:text\/html,x$/);
});

test('known users are mentions, the viewer\'s own marked, others stay text', () => {
  const mentions = new Map([['алиса', { id: 1 }], ['bob', { id: 2 }]]);
  const div = render('@Алиса @BOB @nobody', { mentions, me: 'Bob' });
  const spans = div.findAll((el) => el.tagName === 'SPAN');
  assert.deepEqual(spans.map((s) => [s.className, s.getAttribute('data-user-id'), s.textContent]), [
    ['mention', '1', '@Алиса'],
    ['mention mention-me', '2', '@BOB'],
  ]);
  assert.equal(div.textContent, '@Алиса @BOB @nobody');
  assert.equal(render('@Алиса').findAll((el) => el.tagName === 'SPAN').length, 0, 'no mentions given');
});

test('a spoiler is a labelled button whose inert content a click reveals', () => {
  const div = render('before ||secret **part** https://example.com|| after');
  const [spoiler] = div.findAll((el) => el.classList.contains('spoiler'));
  assert.equal(spoiler.getAttribute('role'), 'button');
  assert.equal(spoiler.getAttribute('tabindex'), '0');
  assert.equal(spoiler.getAttribute('aria-label'), ru['format.spoiler']);
  const [content] = spoiler.children;
  assert.ok(content.hasAttribute('inert'), 'hidden content can be neither read nor focused');
  assert.equal(content.textContent, 'secret part https://example.com');

  spoiler.dispatch('click');
  assert.ok(spoiler.classList.contains('spoiler--revealed'));
  assert.ok(!content.hasAttribute('inert'));
  assert.equal(spoiler.getAttribute('role'), null, 'revealed, it is no button any more');
  assert.equal(spoiler.getAttribute('tabindex'), null);
});

test('Enter and Space reveal a focused spoiler and focus stays on its content', () => {
  for (const key of ['Enter', ' ']) {
    const [spoiler] = render('||a||').findAll((el) => el.classList.contains('spoiler'));
    spoiler.focus();
    const other = spoiler.dispatch('keydown', { key: 'a' });
    assert.ok(!other.defaultPrevented && !spoiler.classList.contains('spoiler--revealed'), 'other keys do nothing');
    const event = spoiler.dispatch('keydown', { key });
    assert.ok(event.defaultPrevented, 'Space does not scroll the page');
    assert.ok(spoiler.classList.contains('spoiler--revealed'), JSON.stringify(key));
    assert.equal(document.activeElement, spoiler.children[0]);
  }
});

test('hostile texts render as text, never as elements they name', () => {
  const hostile = '<img src=x onerror=alert(1)> <a href="javascript:alert(1)">x</a> <svg onload=alert(1)> &lt;';
  const div = render(hostile);
  assert.equal(div.children.length, 0);
  assert.equal(div.textContent, hostile);
});
