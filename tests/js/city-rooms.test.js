// «Комната моего города» (static/js/city-rooms.js): disabled with the reason while your city is
// not one from the list, enabled once it is; a click asks the server for the room of your city
// (POST /api/rooms/city) and opens it like any room, and a refusal is said, not swallowed.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const readFile = globalThis.fetch;
/** [method, address] of each /api/ request; `answer` is what the next one gets. */
const asked = [];
let answer = { status: 201, body: { id: 42, name: 'Казань', city_id: 551487, city_members: 1, created_by: null } };
globalThis.fetch = async (url, init) => {
  if (!String(url).startsWith('/api/')) return readFile(url, init);
  asked.push([init.method, String(url)]);
  const { status, body } = answer;
  return { ok: status < 400, status, headers: { get: () => null }, text: async () => JSON.stringify(body) };
};
const { CityRooms } = await import('../../static/js/city-rooms.js');

function setUp() {
  const el = (tag) => document.createElement(tag);
  const seen = { upserted: [], opened: [], errors: [], myCity: [] };
  const rooms = {
    loading: false,
    upsert: (room) => seen.upserted.push(room.id),
    setMyCity: (id) => seen.myCity.push(id),
    render: () => {},
  };
  const toasts = { error: (text) => seen.errors.push(text) };
  const button = el('button');
  const hint = el('p');
  const cityRooms = new CityRooms({ button, hint, rooms, toasts, openRoom: (id) => seen.opened.push(id) });
  return { cityRooms, button, hint, seen };
}

test('without a city from the list the button is disabled and says why; with one it is enabled', () => {
  const { cityRooms, button, hint, seen } = setUp();
  assert.equal(button.hasAttribute('disabled') || button.disabled, true);
  assert.equal(hint.hidden, true, 'no reason before we know');
  cityRooms.setMe({ city: 'Урюпинск', city_id: null });
  assert.equal(button.disabled, true);
  assert.equal(hint.textContent, 'Выберите город из списка в настройках');
  assert.equal(hint.hidden, false);
  cityRooms.setMe({ city: 'Казань', city_id: 551487 });
  assert.equal(button.disabled, false);
  assert.equal(hint.hidden, true);
  assert.deepEqual(seen.myCity, [null, 551487]);
});

test('a click asks for the room of my city and opens it', async () => {
  const { cityRooms, seen } = setUp();
  cityRooms.setMe({ city_id: 551487 });
  asked.length = 0;
  await cityRooms.openMine();
  assert.deepEqual(asked, [['POST', '/api/rooms/city']]);
  assert.deepEqual([seen.upserted, seen.opened, seen.errors], [[42], [42], []]);
});

test('a refusal is said and nothing opens', async () => {
  const { cityRooms, button, seen } = setUp();
  cityRooms.setMe({ city_id: 551487 });
  answer = { status: 400, body: { error: 'Ваш город не из списка', code: 'no_city' } };
  await cityRooms.openMine();
  assert.deepEqual(seen.opened, []);
  assert.deepEqual(seen.errors, ['Не удалось открыть комнату города: Ваш город не из списка']);
  assert.equal(button.disabled, false, 'it may be tried again');
});
