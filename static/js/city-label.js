// city-label.js — owns what the UI says of where a person is. The server sends each
// user as everyone may see them (their city privacy): the city, only the country
// (`city: null`, an ISO code in `country`) or nothing. Our own city comes from our
// own account (GET /api/me, the page's data), never from a frame: frames are shared
// by every viewer, so they show us as others see us, and we always see our own.

/** One Intl.DisplayNames per language: building it is not free and badges are many. */
const regionNames = new Map();

/** The country's name in `lang` («Россия» / "Russia") from its ISO 3166 code; '' if unknown. */
export function countryName(code, lang) {
  const iso = String(code ?? '').trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(iso)) return '';
  try {
    if (!regionNames.has(lang)) regionNames.set(lang, new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' }));
    return regionNames.get(lang).of(iso) ?? '';
  } catch {
    return '';
  }
}

/**
 * What to show of `user`'s whereabouts in `lang`: `{text, scope: 'city'}` for a city,
 * `{text, scope: 'country'}` when they show only their country, null when nothing.
 * For `me` (the signed-in account, as GET /api/me has it) our own data wins.
 * @param {{id?:number, city?:?string, country?:?string}} user
 * @param {?{id:number, city?:?string, country?:?string}} me
 * @param {string} lang
 */
export function cityLabel(user, me, lang) {
  const own = me && user && user.id !== null && user.id !== undefined && Number(user.id) === Number(me.id);
  const source = own ? { ...user, city: me.city ?? user.city, country: me.country ?? user.country } : user;
  const city = String(source?.city ?? '').trim();
  if (city) return { text: city, scope: 'city' };
  const country = countryName(source?.country, lang);
  return country ? { text: country, scope: 'country' } : null;
}

/** The signed-in account whose own city is shown everywhere (chat.js sets it once). */
let ownAccount = null;

/** From now on `me` (updated in place as the account changes) is the user whose city is their own. */
export function showOwnCityFrom(me) {
  ownAccount = me;
}

/**
 * The canonical city (its GeoNames id) whose name cityLabel() shows for `user` — ours for
 * us, as there — else null (a city as typed, or only a country, or nothing).
 */
export function shownCityId(user, me) {
  const own = me && user && user.id !== null && user.id !== undefined && Number(user.id) === Number(me.id);
  const source = own && String(me.city ?? '').trim() ? me : user;
  const id = Number(source?.city_id);
  return source?.city_id !== null && source?.city_id !== undefined && Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** shownCityId() with the account set by showOwnCityFrom() as `me`. */
export function whereaboutsCityId(user) {
  return shownCityId(user, ownAccount);
}

/** cityLabel() with the account set by showOwnCityFrom() as `me`. */
export function whereabouts(user, lang) {
  return cityLabel(user, ownAccount, lang);
}
