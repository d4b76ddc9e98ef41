// city-groups.js — owns how the member list groups people by city (the «По городам» lens):
// one group per canonical city (its GeoNames id), else per city as typed (case aside), else —
// for someone who shows only their country — per country, and everyone who shows nothing in
// one «Город скрыт» group. The biggest group first. Pure: the names of countries and of the
// hidden group come from the caller, in the page's language.

/**
 * @typedef {object} CityGroup
 * @property {string} key          'city:524901', 'text:тверь', 'country:RU' or 'hidden'
 * @property {?number} cityId       the canonical city (its messages can be shown alone), else null
 * @property {string} name         what the group's heading says
 * @property {object[]} users      its people, in the order given
 */

/**
 * Groups `users` ({id, username, city, city_id, country}) by where they are.
 * `countryName(code)` names a country; `hiddenName` is the group of people who show nothing.
 * Largest first; equal sizes by name (`compare`), the hidden group last among its size.
 * @returns {CityGroup[]}
 */
export function groupByCity(users, { countryName = (code) => code, hiddenName = '', compare = defaultCompare } = {}) {
  const groups = new Map();
  for (const user of users) {
    const { key, cityId, name } = placeOf(user, countryName, hiddenName);
    if (!groups.has(key)) groups.set(key, { key, cityId, name, users: [] });
    groups.get(key).users.push(user);
  }
  return [...groups.values()].sort((a, b) =>
    (b.users.length - a.users.length)
    || ((a.key === 'hidden') - (b.key === 'hidden'))
    || compare(a.name, b.name));
}

function placeOf(user, countryName, hiddenName) {
  const cityId = Number(user.city_id);
  const city = typeof user.city === 'string' ? user.city.trim() : '';
  if (user.city_id !== null && user.city_id !== undefined && Number.isSafeInteger(cityId)) {
    return { key: `city:${cityId}`, cityId, name: city || String(cityId) };
  }
  if (city) return { key: `text:${city.toLocaleLowerCase()}`, cityId: null, name: city };
  const country = typeof user.country === 'string' ? user.country.trim().toUpperCase() : '';
  if (country) return { key: `country:${country}`, cityId: null, name: countryName(country) };
  return { key: 'hidden', cityId: null, name: hiddenName };
}

function defaultCompare(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}
