// people.js — owns how a person looks everywhere in the UI: the coloured
// initial avatar and the city badge with its pin icon (messages, member list,
// own profile).
import { h } from './dom.js';
import { icon } from './icons.js';
import { t } from './i18n.js';

const AVATAR_COLOURS = 8;

/** First visible character of a name, upper-cased ("?" for an empty name). */
export function initialOf(name) {
  const first = Array.from(String(name ?? '').trim())[0];
  return first ? first.toLocaleUpperCase('ru-RU') : '?';
}

/** Class choosing one of the palette colours, stable for a given user id. */
export function avatarColourClass(userId) {
  const n = Math.abs(Number(userId) || 0) % AVATAR_COLOURS;
  return `avatar--c${n}`;
}

/** A round avatar with the user's initial. */
export function avatar(user, size = '') {
  const classes = ['avatar', avatarColourClass(user?.id)];
  if (size) classes.push(`avatar--${size}`);
  return h('div', { class: classes.join(' '), 'aria-hidden': 'true', text: initialOf(user?.username) });
}

/** Fills an existing avatar element (e.g. the one in the template). */
export function paintAvatar(el, user) {
  for (const cls of Array.from(el.classList)) {
    if (/^avatar--c\d+$/.test(cls)) el.classList.remove(cls);
  }
  el.classList.add(avatarColourClass(user?.id));
  el.textContent = initialOf(user?.username);
}

/** Fills the own-profile strip (`avatar`, `name` and `city` elements) with `user`. */
export function paintProfile({ avatar: avatarEl, name, city }, user) {
  paintAvatar(avatarEl, user);
  name.textContent = user.username;
  city.replaceChildren(...(user.city ? [icon('map-pin'), user.city] : []));
}

/** The city badge (pin icon, then the city); null when the city is empty. */
export function cityBadge(city) {
  const text = String(city ?? '').trim();
  if (!text) return null;
  return h('span', { class: 'city-badge', title: t('people.city', { city: text }) }, icon('map-pin'), text);
}
