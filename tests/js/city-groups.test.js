// The member list by city (static/js/city-groups.js): one group per canonical city, per city
// as typed (case aside), per country for people who show only that, and one for people who
// show nothing; the biggest first, the hidden group after the others of its size.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { groupByCity } from '../../static/js/city-groups.js';

const person = (id, city, city_id = null, country = null) => ({ id, username: `u${id}`, city, city_id, country });
const names = { countryName: (code) => ({ RU: 'Россия', KZ: 'Казахстан' })[code] ?? code, hiddenName: 'Город скрыт' };

test('people of one canonical city are one group, named after it, the biggest first', () => {
  const groups = groupByCity([
    person(1, 'Казань', 551487, 'RU'),
    person(2, 'Тверь', 480060, 'RU'),
    person(3, 'Казань', 551487, 'RU'),
  ], names);
  assert.deepEqual(groups.map((g) => [g.key, g.cityId, g.name, g.users.map((u) => u.id)]), [
    ['city:551487', 551487, 'Казань', [1, 3]],
    ['city:480060', 480060, 'Тверь', [2]],
  ]);
});

test('a city typed by hand groups by its text, case aside, and has no city to filter by', () => {
  const groups = groupByCity([person(1, 'Урюпинск'), person(2, 'урюпинск '), person(3, 'Казань', 551487)], names);
  assert.deepEqual(groups.map((g) => [g.key, g.cityId, g.users.length]), [['text:урюпинск', null, 2], ['city:551487', 551487, 1]]);
  assert.equal(groups[0].name, 'Урюпинск');
});

test('someone who shows only their country is grouped by it, someone who shows nothing as hidden', () => {
  const groups = groupByCity([
    person(1, null, null, 'KZ'), person(2, null, null, null), person(3, null, null, 'KZ'),
    person(4, 'Казань', 551487, 'RU'),
  ], names);
  assert.deepEqual(groups.map((g) => [g.key, g.name, g.users.length]), [
    ['country:KZ', 'Казахстан', 2],
    ['city:551487', 'Казань', 1],
    ['hidden', 'Город скрыт', 1],
  ]);
});

test('groups of one size go by name, with the hidden one after them', () => {
  const groups = groupByCity([person(1, null), person(2, 'Омск', 1496153), person(3, 'Абакан', 1512236)], names);
  assert.deepEqual(groups.map((g) => g.name), ['Абакан', 'Омск', 'Город скрыт']);
});

test('nobody, no groups', () => {
  assert.deepEqual(groupByCity([], names), []);
});
