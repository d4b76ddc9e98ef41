// The emoji picker's data (static/js/emoji-data.js) on the vendored Emojibase files, and the
// picker's grid navigation (static/js/grid-nav.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { GROUPS, RECENT_MAX, EmojiPrefs, buildSet, loadEmoji, normalize, search, variant, withTone } =
  await import('../../static/js/emoji-data.js');
const { moveInGrid } = await import('../../static/js/grid-nav.js');
const picker = await import('../../static/js/emoji-picker.js');

const read = (url) => JSON.parse(readFileSync(new URL(`../..${url}`, import.meta.url), 'utf8'));
const fetched = [];
const fetchJson = async (url) => {
  fetched.push(url);
  return read(url);
};
const ru = await loadEmoji('ru', fetchJson);
const en = await loadEmoji('en', fetchJson);
const unicodes = (list) => list.map((e) => e.unicode);

test('each language loads once; Russian search also reads the English file', async () => {
  assert.deepEqual(fetched.sort(), [
    '/static/vendor/emojibase/en/compact.json',
    '/static/vendor/emojibase/en/compact.json',
    '/static/vendor/emojibase/ru/compact.json',
  ]);
  assert.equal(await loadEmoji('ru', fetchJson), ru);
  assert.equal(fetched.length, 3, 'a second opening fetches nothing');
});

test('a failed load is tried again on the next opening', async () => {
  const set = await import('../../static/js/emoji-data.js?fresh');
  let calls = 0;
  const failing = async () => {
    calls += 1;
    throw new Error('offline');
  };
  await assert.rejects(set.loadEmoji('en', failing));
  await assert.rejects(set.loadEmoji('en', failing));
  assert.equal(calls, 2);
});

test('the picker offers the emoji groups in order, without components and letter symbols', () => {
  assert.deepEqual(GROUPS.map((g) => g.id), [0, 1, 3, 4, 5, 6, 7, 8, 9]);
  const groups = new Set(ru.list.map((e) => e.group));
  assert.deepEqual([...groups].sort(), GROUPS.map((g) => g.id));
  assert.ok(ru.list.length > 1800, `${ru.list.length} emoji`);
  assert.ok(!ru.list.some((e) => e.hexcode === '1F3FB'), 'a bare skin tone swatch is no emoji');
  assert.ok(!ru.list.some((e) => e.hexcode === '1F1E6'), 'a lone regional indicator is no emoji');
  for (let i = 1; i < ru.list.length; i += 1) assert.ok(ru.list[i - 1].order < ru.list[i].order);
});

test('names are in the set\'s language', () => {
  assert.equal(ru.byHex.get('1F600').label, 'широко улыбается');
  assert.equal(en.byHex.get('1F600').label, 'grinning face');
});

test('search finds Russian and English names and keywords, best matches first', () => {
  assert.equal(search(ru, 'огонь')[0].unicode, '🔥');
  assert.equal(search(ru, 'fire')[0].unicode, '🔥', 'English words work on a Russian page');
  assert.equal(search(en, 'fire')[0].unicode, '🔥');
  assert.deepEqual(search(en, 'огонь'), [], 'an English page loads no Russian');
  assert.ok(unicodes(search(ru, 'палец вверх')).includes('👍️'), 'every word must match, in any order');
  assert.ok(unicodes(search(ru, 'вверх палец')).includes('👍️'));
  assert.ok(unicodes(search(ru, 'улыб')).includes('😀'), 'words match by their start');
  assert.equal(search(ru, ':)')[0].unicode, '🙂', 'an emoticon finds its emoji');
  assert.deepEqual(search(ru, '   '), []);
  assert.deepEqual(search(ru, 'zzzzqqq'), []);
});

test('search reads «ё» as «е», ignores case and finds inflected Russian words', () => {
  assert.deepEqual(unicodes(search(ru, 'ёлка')), unicodes(search(ru, 'елка')));
  assert.ok(search(ru, 'ёлка').length > 0);
  assert.deepEqual(unicodes(search(ru, 'ОГОНЬ')), unicodes(search(ru, 'огонь')));
  assert.equal(search(ru, 'флаг россии')[0].unicode, '🇷🇺');
  assert.equal(normalize('Ёжик Й'), 'ежик и');
});

test('skin tones pick the variant where every person has the tone', () => {
  const wave = ru.byHex.get('1F44B');
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((tone) => withTone(wave, tone).unicode), ['👋', '👋🏻', '👋🏼', '👋🏽', '👋🏾', '👋🏿']);
  assert.equal(withTone(wave, 5).label, 'машет рукой: очень темный тон кожи');
  const couple = ru.list.find((e) => e.hexcode === '1F9D1-200D-1F91D-200D-1F9D1');
  assert.equal(withTone(couple, 2).hexcode, '1F9D1-1F3FC-200D-1F91D-200D-1F9D1-1F3FC');
  const cat = ru.byHex.get('1F408');
  assert.equal(withTone(cat, 3).unicode, cat.unicode, 'an emoji without tones keeps its own');
});

test('a recent emoji is found again by its hexcode, skin tone included', () => {
  assert.equal(variant(ru, '1F44B-1F3FD').unicode, '👋🏽');
  assert.equal(variant(en, '1F44B-1F3FD').label, 'waving hand: medium skin tone');
  assert.equal(variant(ru, '1F600').unicode, '😀');
  assert.equal(variant(ru, 'FFFFF'), null);
});

test('the recent list keeps the newest first, once each, at most RECENT_MAX', () => {
  const store = new Map();
  const storage = { getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) };
  const prefs = new EmojiPrefs(storage);
  assert.deepEqual(prefs.recent(), []);
  prefs.used('1F600');
  prefs.used('1F44B');
  prefs.used('1F600');
  assert.deepEqual(prefs.recent(), ['1F600', '1F44B']);
  for (let i = 0; i < 40; i += 1) prefs.used(`X${i}`);
  assert.equal(prefs.recent().length, RECENT_MAX);
  assert.equal(prefs.recent()[0], 'X39');
  assert.equal(new EmojiPrefs(storage).recent()[0], 'X39', 'kept in the storage');
});

test('the skin tone is remembered; broken or refused storage only forgets', () => {
  const store = new Map();
  const prefs = new EmojiPrefs({ getItem: (k) => store.get(k) ?? null, setItem: (k, v) => store.set(k, v) });
  assert.equal(prefs.tone(), 0);
  prefs.setTone(4);
  prefs.setTone(9);
  assert.equal(prefs.tone(), 4);
  store.set('discock.emoji.recent', '{not json');
  assert.deepEqual(prefs.recent(), []);
  const refusing = new EmojiPrefs({ getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('full'); } });
  refusing.used('1F600');
  assert.deepEqual(refusing.recent(), []);
  assert.deepEqual(new EmojiPrefs(null).recent(), []);
});

test('building a set and searching it stay fast', () => {
  const started = performance.now();
  const set = buildSet(read('/static/vendor/emojibase/ru/compact.json'), read('/static/vendor/emojibase/en/compact.json'));
  for (const q of ['а', 'ко', 'smile face', 'флаг', 'zz']) search(set, q);
  assert.ok(performance.now() - started < 2000, `${performance.now() - started} ms`);
});

test('arrow keys move through the grid by emoji and by row, across sections', () => {
  // Sections of 10, 3 and 8 emoji, 8 per row: rows [0-7][8-9] | [0-2] | [0-7].
  const lengths = [10, 3, 8];
  const move = (s, i, key) => moveInGrid(lengths, { s, i }, key, 8);
  assert.deepEqual(move(0, 0, 'ArrowRight'), { s: 0, i: 1 });
  assert.deepEqual(move(0, 9, 'ArrowRight'), { s: 1, i: 0 }, 'right from the end goes on to the next section');
  assert.deepEqual(move(1, 0, 'ArrowLeft'), { s: 0, i: 9 });
  assert.deepEqual(move(0, 0, 'ArrowLeft'), null);
  assert.deepEqual(move(2, 7, 'ArrowRight'), null);
  assert.deepEqual(move(0, 1, 'ArrowDown'), { s: 0, i: 9 }, 'down into a short row: its last emoji');
  assert.deepEqual(move(0, 5, 'ArrowDown'), { s: 0, i: 9 });
  assert.deepEqual(move(0, 9, 'ArrowDown'), { s: 1, i: 1 }, 'same column of the next section');
  assert.deepEqual(move(1, 2, 'ArrowDown'), { s: 2, i: 2 });
  assert.deepEqual(move(2, 6, 'ArrowDown'), null);
  assert.deepEqual(move(0, 9, 'ArrowUp'), { s: 0, i: 1 });
  assert.deepEqual(move(2, 6, 'ArrowUp'), { s: 1, i: 2 }, 'up into a shorter row: its last emoji');
  assert.deepEqual(move(1, 1, 'ArrowUp'), { s: 0, i: 9 });
  assert.deepEqual(move(0, 3, 'ArrowUp'), { s: -1, i: 0 }, 'up from the first row: back to the search box');
  assert.deepEqual(move(1, 1, 'Home'), { s: 0, i: 0 });
  assert.deepEqual(move(0, 0, 'End'), { s: 2, i: 7 });
  assert.deepEqual(move(0, 0, 'a'), null);
  assert.deepEqual(moveInGrid([2, 0, 2], { s: 0, i: 1 }, 'ArrowRight', 8), { s: 2, i: 0 }, 'empty sections are skipped');
});

test('the picker module loads without opening anything (its buttons are tested in the browser)', () => {
  assert.equal(typeof picker.openEmojiPicker, 'function');
  assert.equal(picker.COLUMNS, 8);
  assert.doesNotThrow(() => picker.closeEmojiPicker(), 'closing when nothing is open does nothing');
});
