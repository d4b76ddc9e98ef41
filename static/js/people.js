// people.js — owns how a person looks everywhere in the UI: the avatar (their
// picture when they have one, else the coloured initial, which also stays
// underneath while the picture loads or if it fails) and the city badge with its
// pin icon (messages, member list, profile card, own profile): the city, or only the
// country for someone who shows no more, or nothing (city-label.js decides); a canonical city
// by its name in the page's language (city-names.js). A `user_updated` frame repaints
// every avatar of that user on the page and is remembered, so messages loaded
// before it show the new picture too.
import { h } from './dom.js';
import { icon } from './icons.js';
import { t, lang, onLangChange } from './i18n.js';
import { whereabouts, whereaboutsCityId } from './city-label.js';
import { cityNames, cityNameEl } from './city-names.js';

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

/** The picture size (pixels) each avatar size asks the server for: 256 for the large ones. */
const PICTURE_PIXELS = { lg: 256 };

/** Newest `avatar_url` per user id, from `user_updated` frames (null: removed). */
const newestAvatar = new Map();

/** The avatar address (without size) to show for `user`: the newest heard of, else theirs. */
export function avatarUrlOf(user) {
  const id = Number(user?.id);
  if (newestAvatar.has(id)) return newestAvatar.get(id);
  return typeof user?.avatar_url === 'string' && user.avatar_url.startsWith('/avatars/') ? user.avatar_url : null;
}

/** `user` changed how they look (`user_updated`): remember it and repaint their avatars on the page. */
export function userUpdated(user) {
  const id = Number(user?.id);
  if (!Number.isSafeInteger(id)) return;
  newestAvatar.set(id, typeof user.avatar_url === 'string' ? user.avatar_url : null);
  for (const el of document.querySelectorAll(`[data-avatar-user="${id}"]`)) paintAvatar(el, user);
}

/**
 * Users as the server shows them now (a fresh member list): their avatars win over a
 * `user_updated` remembered before, which may be older if one was missed while offline.
 */
export function usersSeen(users) {
  for (const user of users) {
    const id = Number(user?.id);
    if (newestAvatar.has(id)) newestAvatar.set(id, typeof user.avatar_url === 'string' ? user.avatar_url : null);
  }
}

/** A round avatar: the user's picture, or their initial. `size`: '', 'sm', 'xs' or 'lg'. */
export function avatar(user, size = '') {
  const classes = ['avatar'];
  if (size) classes.push(`avatar--${size}`);
  const el = h('div', { class: classes.join(' '), 'aria-hidden': 'true' });
  if (size) el.dataset.avatarSize = size;
  paintAvatar(el, user);
  return el;
}

/**
 * Fills an avatar element (also the one in the template) for `user`: the coloured initial and,
 * when they have a picture, an <img> over it (64 px, or 256 for large avatars and screens with
 * more pixels); if the picture cannot be loaded, the initial stays.
 */
export function paintAvatar(el, user) {
  for (const cls of Array.from(el.classList)) {
    if (/^avatar--c\d+$/.test(cls)) el.classList.remove(cls);
  }
  el.classList.add(avatarColourClass(user?.id));
  el.classList.remove('avatar--picture');
  el.dataset.avatarUser = String(Number(user?.id));
  el.textContent = initialOf(user?.username);
  const url = avatarUrlOf(user);
  if (!url) return;
  const pixels = PICTURE_PIXELS[el.dataset.avatarSize] ?? 64;
  const img = h('img', {
    class: 'avatar__picture',
    src: `${url}?size=${pixels}`,
    srcset: pixels < 256 ? `${url}?size=${pixels} 1x, ${url}?size=256 2x` : undefined,
    alt: t('people.avatar-alt', { name: user?.username ?? '' }),
    decoding: 'async',
  });
  img.addEventListener('error', () => {
    img.remove();
    el.classList.remove('avatar--picture');
  });
  el.classList.add('avatar--picture');
  el.append(img);
}

/** Fills the own-profile strip (`avatar`, `name` and `city` elements) with `user`. */
export function paintProfile({ avatar: avatarEl, name, city }, user) {
  paintAvatar(avatarEl, user);
  name.textContent = user.username;
  const where = whereabouts(user, lang);
  city.replaceChildren(...(where ? [icon('map-pin'), placeName(user, where)] : []));
}

/** What `where` (whereabouts of `user`) says, a canonical city's name in the page's language. */
function placeName(user, where) {
  const id = where.scope === 'city' ? whereaboutsCityId(user) : null;
  return id === null ? where.text : cityNameEl(id, where.text);
}

/** A badge's tooltip says the city as the badge does, also once its name in the page's language came. */
function retitleBadges() {
  for (const badge of document.querySelectorAll('.city-badge--city')) {
    badge.title = t('people.city', { city: badge.textContent });
  }
}
cityNames.onNames(retitleBadges);
onLangChange(retitleBadges);

/**
 * The city badge of `user` (pin icon, then their city — or their country when they show
 * only that); null when there is nothing to show. Our own badge shows our own city. A text
 * instead of a user is shown as it is (a city already chosen by the caller).
 */
export function cityBadge(user) {
  const person = typeof user === 'string' || user === null || user === undefined ? { city: user } : user;
  const where = whereabouts(person, lang);
  if (!where) return null;
  const name = placeName(person, where);
  const text = typeof name === 'string' ? name : name.textContent;
  const title = where.scope === 'city' ? t('people.city', { city: text }) : t('city.country-title', { country: text });
  return h('span', { class: `city-badge city-badge--${where.scope}`, title }, icon('map-pin'), name);
}
