// emoji-data.js — owns the emoji the picker offers: loading the vendored Emojibase data
// (static/vendor/emojibase/, see its README) once per language, the groups in their order,
// searching by name and keyword, skin tones, and the recently used list kept in
// localStorage. No DOM: the picker (emoji-picker.js) draws what this hands it, and the
// tests (tests/js/emoji-data.test.js) run it in Node on the real data.

/** Where the data of each language is served. */
const DATA_URL = (lang) => `/static/vendor/emojibase/${lang}/compact.json`;

/**
 * The groups shown, in Emojibase's order, with the sprite icon of each tab. Group 2 (skin
 * tone and hair components) holds no emoji of its own and is left out, as are the regional
 * indicator letters, which have no group.
 */
export const GROUPS = [
  { id: 0, icon: 'smile' },
  { id: 1, icon: 'hand' },
  { id: 3, icon: 'cat' },
  { id: 4, icon: 'apple' },
  { id: 5, icon: 'plane' },
  { id: 6, icon: 'trophy' },
  { id: 7, icon: 'lightbulb' },
  { id: 8, icon: 'heart' },
  { id: 9, icon: 'flag' },
];

/** Skin tones by number: 0 is the default (yellow) emoji, 1–5 the Fitzpatrick modifiers. */
export const SKIN_TONES = [0, 1, 2, 3, 4, 5];
const TONE_HEX = ['', '1F3FB', '1F3FC', '1F3FD', '1F3FE', '1F3FF'];

/** How many recently used emoji are kept. */
export const RECENT_MAX = 24;
const RECENT_KEY = 'discock.emoji.recent';
const TONE_KEY = 'discock.emoji.tone';

/**
 * One emoji as the picker uses it.
 * @typedef {object} Emoji
 * @property {string} hexcode   Emojibase's id ("1F44B")
 * @property {string} unicode   the emoji itself
 * @property {string} label     its name in the picker's language
 * @property {number} group
 * @property {number} order
 * @property {string[]} words   name and keyword words, in every language loaded (normalize()d)
 * @property {string[]} names   its names in every language loaded, its own first (normalize()d)
 * @property {string[]} emoticons  ":)" and the like
 * @property {{hexcode: string, unicode: string, label: string, tone: number}[]} skins
 */

/**
 * The emoji of `lang` ("ru" or "en") ready to search: {list (in order), byHex}. Search also
 * finds English names when the page is in Russian (people type "smile" too), so a Russian set
 * loads both files. Each language's promise is kept: data is fetched at most once per page.
 */
export function loadEmoji(lang, fetchJson = defaultFetchJson) {
  const key = lang === 'en' ? 'en' : 'ru';
  if (!loaded.has(key)) {
    const langs = key === 'en' ? ['en'] : ['ru', 'en'];
    const promise = Promise.all(langs.map((l) => fetchJson(DATA_URL(l)))).then((files) => buildSet(...files));
    // A failed load may be tried again on the next opening.
    promise.catch(() => loaded.delete(key));
    loaded.set(key, promise);
  }
  return loaded.get(key);
}
const loaded = new Map();

async function defaultFetchJson(url) {
  const response = await fetch(url, { credentials: 'same-origin' });
  if (!response.ok) throw new Error(`emoji data: ${url} answered ${response.status}`);
  return response.json();
}

/**
 * The set built from Emojibase compact data: `primary` names the emoji; the words of
 * `others` (the same emoji in other languages, matched by hexcode) are searched too.
 */
export function buildSet(primary, ...others) {
  /** Per hexcode: the words and names of the other languages. */
  const extra = new Map();
  for (const data of others) {
    for (const entry of data) {
      const more = extra.get(entry.hexcode) ?? { words: [], names: [] };
      more.words.push(...wordsOf(entry));
      more.names.push(normalize(entry.label));
      extra.set(entry.hexcode, more);
    }
  }
  const shown = new Set(GROUPS.map((g) => g.id));
  const list = primary
    .filter((entry) => shown.has(entry.group))
    .map((entry) => ({
      hexcode: entry.hexcode,
      unicode: entry.unicode,
      label: entry.label,
      group: entry.group,
      order: entry.order,
      words: [...new Set([...wordsOf(entry), ...(extra.get(entry.hexcode)?.words ?? [])])],
      names: [normalize(entry.label), ...(extra.get(entry.hexcode)?.names ?? [])],
      emoticons: [entry.emoticon ?? []].flat(),
      skins: (entry.skins ?? []).map((skin) => ({
        hexcode: skin.hexcode,
        unicode: skin.unicode,
        label: skin.label,
        tone: toneOf(skin.hexcode),
      })),
    }))
    .sort((a, b) => a.order - b.order);
  const byHex = new Map();
  for (const emoji of list) {
    byHex.set(emoji.hexcode, emoji);
    for (const skin of emoji.skins) byHex.set(skin.hexcode, emoji);
  }
  return { list, byHex };
}

/** Lowercased words of an entry's name and keywords, "ё" read as "е" (as people type it). */
function wordsOf(entry) {
  const text = [entry.label, ...(entry.tags ?? [])].join(' ');
  return normalize(text).split(/[\s:,.()«»"“”!?/-]+/u).filter(Boolean);
}

/**
 * Text as search compares it: lowercase, without combining marks — so "ё" is "е", as people
 * type it and as the data often spells it (on both sides alike, so "й" as "и" does no harm).
 */
export function normalize(text) {
  return String(text).toLowerCase().normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
}

/** The tone (1–5) of a skin variant when all its modifiers are that one tone; 0 for mixed ones. */
function toneOf(hexcode) {
  const tones = hexcode.split('-').map((part) => TONE_HEX.indexOf(part)).filter((tone) => tone > 0);
  return tones.length && tones.every((tone) => tone === tones[0]) ? tones[0] : 0;
}

/**
 * The emoji whose words start with every word of `query` (in any order), best first: an
 * emoticon typed exactly (":)"), a name that is the query, names that begin with it, a word that is the query's
 * first word, a name word that begins with it, other keyword matches; then those found only
 * with a word's ending dropped (Russian inflects: «флаг россии» finds «флаг: Россия»). Ties
 * keep the data's order. An empty query finds nothing.
 */
export function search(set, query) {
  const typed = String(query).trim();
  const terms = normalize(typed).split(/\s+/u).filter(Boolean);
  if (!terms.length) return [];
  const whole = terms.join(' ');
  const stems = terms.map(stem);
  const ranked = [];
  for (const emoji of set.list) {
    const rank = rankOf(emoji, typed, terms, whole, stems);
    if (rank !== null) ranked.push({ emoji, rank });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.emoji.order - b.emoji.order);
  return ranked.map((r) => r.emoji);
}

/** Where `emoji` ranks for the query (see search); null when it does not match. */
function rankOf(emoji, typed, terms, whole, stems) {
  if (emoji.emoticons.includes(typed)) return 0;
  const has = (prefix) => emoji.words.some((word) => word.startsWith(prefix));
  if (terms.every(has)) {
    if (emoji.names.includes(whole)) return 1;
    if (emoji.names.some((name) => name.startsWith(whole))) return 2;
    if (emoji.words.includes(terms[0])) return 3;
    if (emoji.names.some((name) => name.split(/\s+/u).some((word) => word.startsWith(terms[0])))) return 4;
    return 5;
  }
  return stems.every(has) ? 6 : null;
}

/** A search word without the ending Russian inflection may have changed (1 letter, 2 from 6). */
function stem(term) {
  if (term.length >= 6) return term.slice(0, -2);
  if (term.length >= 4) return term.slice(0, -1);
  return term;
}

/**
 * The emoji in skin tone `tone` (0–5): {hexcode, unicode, label}. An emoji without that
 * tone (most have none) stays as it is; one of several people takes the variant where all
 * of them have the tone.
 */
export function withTone(emoji, tone) {
  const skin = tone > 0 ? emoji.skins.find((s) => s.tone === tone) : null;
  return skin ?? { hexcode: emoji.hexcode, unicode: emoji.unicode, label: emoji.label };
}

/**
 * The variant `hexcode` names (a skin one included): {hexcode, unicode, label}, in the set's
 * language; null when the set has no such emoji.
 */
export function variant(set, hexcode) {
  const emoji = set.byHex.get(hexcode);
  if (!emoji) return null;
  if (emoji.hexcode === hexcode) return withTone(emoji, 0);
  const skin = emoji.skins.find((s) => s.hexcode === hexcode);
  return { hexcode: skin.hexcode, unicode: skin.unicode, label: skin.label };
}

/**
 * What the picker remembers between pages, in `storage` (localStorage; anything with
 * getItem/setItem): the recently picked emoji (hexcodes, newest first) and the skin tone.
 * A storage that throws (private mode, full) only makes it forget.
 */
export class EmojiPrefs {
  constructor(storage) {
    if (storage === undefined) {
      try {
        storage = globalThis.localStorage;
      } catch {
        storage = null; // storage refused to this page
      }
    }
    this.storage = storage ?? null;
  }

  /** Hexcodes of the recently picked emoji, newest first, at most RECENT_MAX. */
  recent() {
    const saved = this.read(RECENT_KEY);
    return Array.isArray(saved) ? saved.filter((h) => typeof h === 'string').slice(0, RECENT_MAX) : [];
  }

  /** Puts `hexcode` first in the recent list. */
  used(hexcode) {
    this.write(RECENT_KEY, [hexcode, ...this.recent().filter((h) => h !== hexcode)].slice(0, RECENT_MAX));
  }

  /** The skin tone chosen last, 0–5. */
  tone() {
    const saved = this.read(TONE_KEY);
    return SKIN_TONES.includes(saved) ? saved : 0;
  }

  setTone(tone) {
    if (SKIN_TONES.includes(tone)) this.write(TONE_KEY, tone);
  }

  read(key) {
    try {
      return JSON.parse(this.storage?.getItem(key) ?? 'null');
    } catch {
      return null;
    }
  }

  write(key, value) {
    try {
      this.storage?.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or refused: the picker just does not remember this time.
    }
  }
}
