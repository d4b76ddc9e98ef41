// i18n.js — owns the page's language: the message catalogue in use (the same
// JSON files the server renders from, static/i18n/<lang>.json), texts by key
// with CLDR plurals, dates, times and numbers through Intl, and switching the
// language without a reload.
//
// Markup marks its texts so a switch can redo them in place:
//   data-i18n="key"            -> textContent
//   data-i18n-<attr>="key"     -> that attribute (aria-label, title, placeholder, …)
// Views that build texts themselves call t() and re-render on onLangChange().

/** Languages the UI speaks, by code, each named in itself (for the switch). */
export const LANGS = ['ru', 'en'];

/** The language in use: <html lang>, which the server set from the saved preference. */
export let lang = LANGS.includes(document.documentElement.lang) ? document.documentElement.lang : 'ru';

const catalogues = new Map();
const listeners = new Set();

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
  if (!LANGS.includes(code) || code === lang) return;
  const next = await load(code);
  lang = code;
  catalogue = next;
  plurals = new Intl.PluralRules(code);
  document.documentElement.lang = code;
  apply(document);
  for (const fn of listeners) fn(code);
}

// ---- numbers, dates and times ---------------------------------------------------

/** A number as the language writes it (1 234 / 1,234). */
export function formatNumber(n) {
  return new Intl.NumberFormat(lang).format(n);
}

/** Time of day: 14:05 / 2:05 PM. */
export function formatTime(date) {
  return new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }).format(date);
}

/** A full date and time, for tooltips. */
export function formatDateTime(date) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeStyle: 'short' }).format(date);
}

function dayStart(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

/** Whole calendar days from `date` to `now` (0 today, 1 yesterday). */
function daysAgo(date, now) {
  return Math.round((dayStart(now) - dayStart(date)) / 86_400_000);
}

/**
 * A day as people say it: «сегодня» / "today", «вчера» / "yesterday", else the
 * date (with the year only when it is not this year).
 */
export function formatDay(date, now = new Date()) {
  const days = daysAgo(date, now);
  if (days === 0 || days === 1) {
    const word = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' }).format(-days, 'day');
    return word.charAt(0).toLocaleUpperCase(lang) + word.slice(1);
  }
  const options = { day: 'numeric', month: 'long' };
  if (date.getFullYear() !== now.getFullYear()) options.year = 'numeric';
  return new Intl.DateTimeFormat(lang, options).format(date);
}
