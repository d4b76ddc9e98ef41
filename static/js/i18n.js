// i18n.js — owns the page's language: the message catalogue in use (the same
// JSON files the server renders from, static/i18n/<lang>.json), texts by key
// with CLDR plurals, dates, times, relative days, lists, numbers and sorting
// through Intl in that language, and switching the language without a reload.
//
// Markup marks its texts so a switch can redo them in place:
//   data-i18n="key"            -> textContent
//   data-i18n-<attr>="key"     -> that attribute (aria-label, title, placeholder, …)
// Views that build texts themselves call t() and re-render on onLangChange().

/** Languages the UI speaks, by code; the switches name each in itself (keys lang.ru, lang.en). */
export const LANGS = ['ru', 'en'];

/** The language in use: <html lang>, which the server set from the saved preference. */
export let lang = LANGS.includes(document.documentElement.lang) ? document.documentElement.lang : 'ru';

const catalogues = new Map();
const listeners = new Set();
/** The language asked for last (setLang may still be loading it). */
let wanted = lang;

async function load(code) {
  if (!catalogues.has(code)) {
    const response = await fetch(`/static/i18n/${code}.json`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`i18n: catalogue ${code} answered ${response.status}`);
    catalogues.set(code, await response.json());
  }
  return catalogues.get(code);
}

let catalogue = await load(lang);
let plurals = new Intl.PluralRules(lang);

function fill(template, args) {
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(args, name) ? String(args[name]) : whole,
  );
}

/**
 * The text for `key` with `{name}` placeholders filled from `args`. A plural
 * entry picks its form by `args.count` (CLDR rules of the current language);
 * numbers in args are formatted for the language. A missing key shows the key,
 * which the catalogue test keeps from shipping.
 */
export function t(key, args = {}) {
  let entry = catalogue[key];
  if (entry === undefined) {
    console.warn(`i18n: no "${key}" in ${lang}`);
    return key;
  }
  if (typeof entry === 'object') {
    const count = Number(args.count ?? 0);
    entry = entry[plurals.select(count)] ?? entry.other;
  }
  const shown = {};
  for (const [name, value] of Object.entries(args)) {
    shown[name] = typeof value === 'number' ? formatNumber(value) : value;
  }
  return fill(entry, shown);
}

/** Re-translates every marked element under `root` (see the header comment). */
export function apply(root = document) {
  const marked = root.querySelectorAll('*');
  for (const el of [root.documentElement ?? root, ...marked]) {
    if (!el.attributes) continue;
    for (const attr of el.attributes) {
      if (attr.name === 'data-i18n') {
        el.textContent = t(attr.value);
      } else if (attr.name.startsWith('data-i18n-')) {
        el.setAttribute(attr.name.slice('data-i18n-'.length), t(attr.value));
      }
    }
  }
}

/** Calls `fn(lang)` after every language switch; returns a function that stops it. */
export function onLangChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Switches the page to `code` without a reload: loads its catalogue, sets
 * <html lang>, re-translates the marked markup, then lets every view re-render.
 */
export async function setLang(code) {
  if (!LANGS.includes(code)) return;
  wanted = code;
  if (code === lang) return;
  const next = await load(code);
  if (wanted !== code) return; // switched again while this catalogue loaded: the later choice wins
  lang = code;
  catalogue = next;
  plurals = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  apply(document);
  for (const fn of listeners) fn(code);
}

// ---- numbers, dates, times and lists ----------------------------------------------

/** Intl formatters of the current language, made once per language and kind. */
const formatters = new Map();

function formatter(kind, make) {
  const id = `${lang}:${kind}`;
  if (!formatters.has(id)) formatters.set(id, make(lang));
  return formatters.get(id);
}

/** A number as the language writes it (1 234 / 1,234). */
export function formatNumber(n) {
  return formatter('number', (l) => new Intl.NumberFormat(l)).format(n);
}

/** Time of day: 14:05 / 2:05 PM. */
export function formatTime(date) {
  return formatter('time', (l) => new Intl.DateTimeFormat(l, { hour: 'numeric', minute: '2-digit' })).format(date);
}

/**
 * The full date and time, for tooltips: «вторник, 1 декабря 2026 г. в 14:05» /
 * "Tuesday, December 1, 2026 at 2:05 PM".
 */
export function formatDateTime(date) {
  return formatter('datetime', (l) => new Intl.DateTimeFormat(l, { dateStyle: 'full', timeStyle: 'short' })).format(date);
}

function dayStart(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** Whole calendar days from `date` to `now` (0 today, 1 yesterday). */
function daysAgo(date, now) {
  return Math.round((dayStart(now) - dayStart(date)) / 86_400_000);
}

/**
 * A day as people say it: «Сегодня» / "Today", «Вчера» / "Yesterday", else the
 * date with its weekday (and the year only when it is not this year).
 */
export function formatDay(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days === 0 || days === 1) {
    const word = formatter('relative', (l) => new Intl.RelativeTimeFormat(l, { numeric: 'auto' })).format(-days, 'day');
    return word.charAt(0).toLocaleUpperCase(lang) + word.slice(1);
  }
  if (date.getFullYear() === now.getFullYear()) {
    return formatter('day', (l) => new Intl.DateTimeFormat(l, { weekday: 'long', day: 'numeric', month: 'long' }))
      .format(date);
  }
  return formatter('day-year', (l) => new Intl.DateTimeFormat(l, { day: 'numeric', month: 'long', year: 'numeric' }))
    .format(date);
}

/**
 * A moment as people say it: «Сегодня в 14:05» / "Today at 2:05 PM", «Вчера в 14:05» /
 * "Yesterday at 2:05 PM", else the short date and time (30.11.2026, 14:05 / 11/30/26, 2:05 PM).
 */
export function formatRelative(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days === 0) return t('time.today-at', { time: formatTime(date) });
  if (days === 1) return t('time.yesterday-at', { time: formatTime(date) });
  return formatter('short', (l) => new Intl.DateTimeFormat(l, { dateStyle: 'short', timeStyle: 'short' })).format(date);
}

/** Names joined as the language joins them: «Алиса, Борис и Вера» / "Alice, Bob, and Carol". */
export function formatList(items) {
  return formatter('list', (l) => new Intl.ListFormat(l, { style: 'long', type: 'conjunction' })).format(items);
}

/** Compares two texts in the language's alphabetical order (case and accents aside, 2 before 10). */
export function compareText(a, b) {
  return formatter('collator', (l) => new Intl.Collator(l, { sensitivity: 'base', numeric: true })).compare(a, b);
}
