// The message markdown reader (static/js/markdown.js) on ordinary and hostile texts. Run with
// `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { parse } from '../../static/js/markdown.js';

const text = (value) => ({ type: 'text', value });
const wrap = (type, ...children) => ({ type, children });

/** The nodes of `input`'s tree. */
const nodes = (input) => parse(input).children;

/** Every node of a tree, depth first. */
function* walk(list) {
  for (const node of list) {
    yield node;
    if (node.children) yield* walk(node.children);
  }
}

/** What the reader sees of a tree: its texts, code, links and mentions, markers gone. */
function visible(list) {
  let out = '';
  for (const node of list) {
    if (node.type === 'text' || node.type === 'code' || node.type === 'link') out += node.value;
    else if (node.type === 'codeblock') out += node.lang + node.value;
    else if (node.type === 'mention') out += `@${node.name}`;
    else out += visible(node.children);
  }
  return out;
}

/** The characters no markup can consume: what must survive any parse. */
const lasting = (s) => s.replace(/[*_~|`>\\\s]/gu, '');

test('plain text is one text node, and nothing is no node', () => {
  assert.deepEqual(nodes('привет, мир'), [text('привет, мир')]);
  assert.deepEqual(nodes(''), []);
  assert.deepEqual(nodes('two\nlines'), [text('two\nlines')]);
});

test('each marker makes its kind of node', () => {
  assert.deepEqual(nodes('**b**'), [wrap('bold', text('b'))]);
  assert.deepEqual(nodes('*i*'), [wrap('italic', text('i'))]);
  assert.deepEqual(nodes('_i_'), [wrap('italic', text('i'))]);
  assert.deepEqual(nodes('__u__'), [wrap('underline', text('u'))]);
  assert.deepEqual(nodes('~~s~~'), [wrap('strike', text('s'))]);
  assert.deepEqual(nodes('||secret||'), [wrap('spoiler', text('secret'))]);
  assert.deepEqual(nodes('`c`'), [{ type: 'code', value: 'c' }]);
  assert.deepEqual(nodes('***both***'), [wrap('italic', wrap('bold', text('both')))]);
});

test('markers nest inside one another', () => {
  assert.deepEqual(nodes('**bold *italic* bold**'), [
    wrap('bold', text('bold '), wrap('italic', text('italic')), text(' bold')),
  ]);
  assert.deepEqual(nodes('||spoiler with **bold** and ~~strike~~||'), [
    wrap('spoiler', text('spoiler with '), wrap('bold', text('bold')), text(' and '), wrap('strike', text('strike'))),
  ]);
  assert.deepEqual(nodes('__*a*__'), [wrap('underline', wrap('italic', text('a')))]);
});

test('interleaved markers pair the first that can close and leave the rest as typed', () => {
  assert.deepEqual(nodes('**a *b** c*'), [wrap('bold', text('a *b')), text(' c*')]);
  assert.deepEqual(nodes('*a **b* c**'), [wrap('italic', text('a **b')), text(' c**')]);
  assert.deepEqual(nodes('~~a ||b~~ c||'), [wrap('strike', text('a ||b')), text(' c||')]);
});

test('a marker without its partner stays literal text', () => {
  for (const input of ['**unclosed', 'a * b * c', '2 * 3 = 6', '~single~', '|pipe|', '`tick', '```fence', 'a __b', '****', '||||', '~~~~']) {
    assert.deepEqual(nodes(input), [text(input)], input);
  }
});

test('underscores inside words are no italics', () => {
  assert.deepEqual(nodes('snake_case_name and __init__'), [text('snake_case_name and '), wrap('underline', text('init'))]);
});

test('a backslash makes the next marker literal', () => {
  assert.deepEqual(nodes('\\*not italic\\*'), [text('*not italic*')]);
  assert.deepEqual(nodes('\\`no code\\`'), [text('`no code`')]);
  assert.deepEqual(nodes('a\\\\b and \\ё'), [text('a\\b and \\ё')]);
});

test('nothing is read inside inline code', () => {
  assert.deepEqual(nodes('`**not bold** ||no spoiler|| https://x.ru @alice`'), [
    { type: 'code', value: '**not bold** ||no spoiler|| https://x.ru @alice' },
  ]);
  assert.deepEqual(nodes('``a ` b``'), [{ type: 'code', value: 'a ` b' }]);
  assert.deepEqual(nodes('**`*`**'), [wrap('bold', { type: 'code', value: '*' })]);
  assert.deepEqual(nodes('`\\`'), [{ type: 'code', value: '\\' }], 'no escapes in code');
});

test('a fenced code block keeps its text as typed, with its language tag', () => {
  assert.deepEqual(nodes('```js\nconst a = **1**; // > not a quote\n```'), [
    { type: 'codeblock', lang: 'js', value: 'const a = **1**; // > not a quote' },
  ]);
  assert.deepEqual(nodes('before\n```\n<script>alert(1)</script>\n```\nafter'), [
    text('before'),
    { type: 'codeblock', lang: '', value: '<script>alert(1)</script>' },
    text('after'),
  ]);
  assert.deepEqual(nodes('```one line```'), [{ type: 'codeblock', lang: '', value: 'one line' }]);
  assert.deepEqual(nodes('``` ```'), [{ type: 'code', value: ' ' }], 'an empty block is no block');
  assert.deepEqual(nodes('```js\nunclosed'), [text('```js\nunclosed')]);
});

test('quote lines become one quote, read inside like any text', () => {
  assert.deepEqual(nodes('> first\n> **second**\nafter'), [
    wrap('quote', text('first\n'), wrap('bold', text('second'))),
    text('after'),
  ]);
  assert.deepEqual(nodes('> ||spoiler in a quote||'), [wrap('quote', wrap('spoiler', text('spoiler in a quote')))]);
  assert.deepEqual(nodes('>>> all\nof this'), [wrap('quote', text('all\nof this'))]);
  assert.deepEqual(nodes('>no space, no quote'), [text('>no space, no quote')]);
  assert.deepEqual(nodes('a > b'), [text('a > b')]);
  assert.deepEqual(nodes('> \n>'), [text('> \n>')], 'an empty quote stays as typed');
});

test('only http and https addresses become links, whatever their case', () => {
  assert.deepEqual(nodes('see https://example.com/a?b=1#c'), [
    text('see '),
    { type: 'link', href: 'https://example.com/a?b=1#c', value: 'https://example.com/a?b=1#c' },
  ]);
  assert.deepEqual(nodes('HTTP://EXAMPLE.COM'), [{ type: 'link', href: 'http://example.com/', value: 'HTTP://EXAMPLE.COM' }]);
  for (const input of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'ftp://example.com',
    '//example.com',
    'https://',
    'xhttps://example.com',
    '<a href="javascript:alert(1)">x</a>',
  ]) {
    const links = [...walk(nodes(input))].filter((n) => n.type === 'link');
    assert.deepEqual(links, [], input);
  }
});

test('every link of a hostile text points to http or https', () => {
  const hostile = 'javascript:https://ok.example [x](javascript:alert(1)) <https://a.b> "https://c.d" http://e.f/\'onclick=1';
  for (const node of walk(nodes(hostile))) {
    if (node.type === 'link') assert.match(node.href, /^https?:\/\//, node.href);
  }
});

test('punctuation after a link ends the sentence, not the link, unless it balances a bracket', () => {
  const link = (value, href = value) => ({ type: 'link', href, value });
  assert.deepEqual(nodes('Look: https://example.com.'), [text('Look: '), link('https://example.com', 'https://example.com/'), text('.')]);
  assert.deepEqual(nodes('(https://example.com/a)'), [text('('), link('https://example.com/a'), text(')')]);
  assert.deepEqual(nodes('https://en.wikipedia.org/wiki/Heat_(film), yes'), [
    link('https://en.wikipedia.org/wiki/Heat_(film)'),
    text(', yes'),
  ]);
  assert.deepEqual(nodes('**https://example.com/x**'), [wrap('bold', link('https://example.com/x'))]);
  assert.deepEqual(nodes('||https://example.com/x||'), [wrap('spoiler', link('https://example.com/x'))]);
  assert.deepEqual(nodes('_https://example.com/x_'), [wrap('italic', link('https://example.com/x'))]);
});

test('HTML in a message is text', () => {
  for (const input of ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&lt;b&gt; &amp;', '<b>**bold**</b>']) {
    const texts = [...walk(nodes(input))].filter((n) => n.type === 'text').map((n) => n.value).join('');
    assert.equal(lasting(texts), lasting(input), input);
    assert.ok([...walk(nodes(input))].every((n) => ['text', 'bold'].includes(n.type)), input);
  }
});

test('"@name" is a possible mention, not inside words and without closing punctuation', () => {
  const mention = (name) => ({ type: 'mention', name });
  assert.deepEqual(nodes('hi @Алиса!'), [text('hi '), mention('Алиса'), text('!')]);
  assert.deepEqual(nodes('@bob.'), [mention('bob'), text('.')]);
  assert.deepEqual(nodes('@j.doe-1_x'), [mention('j.doe-1_x')]);
  assert.deepEqual(nodes('**@bob**'), [wrap('bold', mention('bob'))]);
  assert.deepEqual(nodes('_@bob_'), [wrap('italic', mention('bob'))]);
  assert.deepEqual(nodes('mail me@example.com'), [text('mail me@example.com')]);
  assert.deepEqual(nodes('@ab is too short'), [text('@ab is too short')]);
  assert.deepEqual(nodes(`@${'a'.repeat(33)}`), [text(`@${'a'.repeat(33)}`)]);
});

test('right-to-left text and combining characters come through intact', () => {
  const arabic = 'مرحبا **بالعالم** ||سر||';
  assert.deepEqual(nodes(arabic), [text('مرحبا '), wrap('bold', text('بالعالم')), text(' '), wrap('spoiler', text('سر'))]);
  assert.deepEqual(nodes('שלום *עולם*'), [text('שלום '), wrap('italic', text('עולם'))]);
  const decomposed = 'е\u0308лка и ё';
  assert.deepEqual(nodes(`**${decomposed}**`), [wrap('bold', text(decomposed))]);
  const family = '👨\u200d👩\u200d👧\u200d👦';
  assert.deepEqual(nodes(`~~${family}~~ ${family}`), [wrap('strike', text(family)), text(` ${family}`)]);
  assert.deepEqual(nodes('🏳️‍🌈 _флаг_'), [text('🏳️‍🌈 '), wrap('italic', text('флаг'))]);
});

test('the tree is a pure function of the text', () => {
  const input = '> **a** ||b|| https://c.d @eve `f`\n```g\nh```';
  assert.deepEqual(parse(input), parse(input));
  assert.equal(JSON.stringify(parse(input)), JSON.stringify(parse(input)));
});

/** Long texts of one repeated pattern, the shapes that make naive parsers backtrack. */
const LONG_INPUTS = {
  '2000 *': '*'.repeat(2000),
  '1000 **': '** '.repeat(666) + '**',
  '**a repeated': '**a'.repeat(666),
  '*a repeated': '*a '.repeat(666),
  'unclosed openers': '*a **b _c __d ~~e ||f '.repeat(90),
  'openers then closers': '*a **b '.repeat(140) + 'c** d* '.repeat(140),
  '2000 _': '_'.repeat(2000),
  '2000 |': '|'.repeat(2000),
  '2000 `': '`'.repeat(2000),
  'backtick runs of every length': Array.from({ length: 60 }, (_, i) => '`'.repeat(i + 1) + 'x').join(''),
  'fences': '```'.repeat(666),
  'quotes': '> '.repeat(1000),
  'at signs': '@'.repeat(2000),
  'escapes': '\\*'.repeat(1000),
  '2000-char URL': `https://example.com/${'a'.repeat(1980)}`,
  'URL of brackets': `https://example.com/${'()'.repeat(990)}`,
  'URLs back to back': 'https://a.b'.repeat(181),
  'links that are not': '(https://['.repeat(200),
};

test('2000-character texts of repeated markers are read quickly and lose no text', () => {
  for (const [name, input] of Object.entries(LONG_INPUTS)) {
    assert.ok(input.length <= 2000, `${name} is ${input.length} long`);
    const started = performance.now();
    const tree = parse(input);
    const took = performance.now() - started;
    assert.ok(took < 200, `${name}: ${took.toFixed(1)} ms`);
    assert.equal(lasting(visible(tree.children)), lasting(input), name);
  }
  const url = nodes(LONG_INPUTS['2000-char URL']);
  assert.equal(url.length, 1);
  assert.equal(url[0].type, 'link');
});

test('random texts of markers never lose text or take long', () => {
  // A fixed seed: the same texts every run, so a failure can be replayed.
  let seed = 0x2f6e2b1;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
  const alphabet = ['*', '**', '_', '__', '~~', '||', '`', '```', '> ', '\n', ' ', 'a', 'ё', '@bob', 'https://x.ru/', '\\', '(', ')', '.', '🙂'];
  for (let round = 0; round < 300; round += 1) {
    let input = '';
    while (input.length < 200 + round * 6) input += alphabet[Math.floor(random() * alphabet.length)];
    input = input.slice(0, 2000);
    const started = performance.now();
    const tree = parse(input);
    assert.ok(performance.now() - started < 200, input);
    assert.equal(lasting(visible(tree.children)), lasting(input), input);
    for (const node of walk(tree.children)) {
      if (node.type === 'link') assert.match(node.href, /^https?:\/\//);
      if (node.children) assert.ok(node.children.length > 0, `an empty ${node.type}`);
    }
  }
});
