// The city filter of the message pane (static/js/city-lens.js): on, the pane is the room's
// messages of one city (GET /api/messages/{room}?city_id=N), older pages come the same way, a
// banner says which city, and a live message shows only when its author is of that city (ours
// by our own city, which frames do not always show). «Показать все» loads the room as usual.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const readFile = globalThis.fetch;
/** The /api/ addresses the page asked for. */
const asked = [];
globalThis.fetch = async (url, init) => {
  if (!String(url).startsWith('/api/')) return readFile(url, init);
  asked.push(String(url));
  const body = JSON.stringify([{ id: 5, room_id: 10, user: { id: 2, city_id: 551487 }, content: 'салам' }]);
  return { ok: true, status: 200, headers: { get: (name) => (name === 'X-Room-Seq' ? '7' : null) }, text: async () => body };
};
const { CityLens } = await import('../../static/js/city-lens.js');

function setUp() {
  const calls = [];
  const plainFetchOlder = async () => 'plain';
  const messages = {
    room: { id: 10 },
    fetchOlder: plainFetchOlder,
    reset: () => calls.push('reset'),
    setPending: () => calls.push('pending'),
    setHistory: (page, hasMore, seq) => calls.push(['history', page.map((m) => m.id), hasMore, seq]),
    showLoadError: () => calls.push('error'),
  };
  const resume = { loadNewest: (roomId) => calls.push(['newest', roomId]) };
  const outbox = { pendingFor: () => [] };
  const el = (tag) => document.createElement(tag);
  const elements = { banner: el('p'), text: el('span'), showAll: el('button') };
  const me = { id: 1, city_id: 551487 };
  const lens = new CityLens({ elements, state: { currentRoomId: 10 }, me, messages, resume, outbox });
  return { lens, calls, messages, elements, me, plainFetchOlder };
}

test('on, the pane is the city\'s messages under a banner, older pages filtered too', async () => {
  const { lens, calls, messages, elements } = setUp();
  assert.equal(elements.banner.hidden, true);
  asked.length = 0;
  await lens.show(551487, 'Казань');
  assert.deepEqual(asked, ['/api/messages/10?limit=50&city_id=551487']);
  assert.deepEqual(calls, ['reset', 'pending', ['history', [5], false, 7]]);
  assert.equal(elements.banner.hidden, false);
  assert.equal(elements.text.textContent, 'Сообщения из города Казань');
  assert.equal(elements.showAll.textContent, 'показать все');

  const older = await messages.fetchOlder(5);
  assert.equal(asked[1], '/api/messages/10?limit=50&before=5&city_id=551487');
  assert.deepEqual([older.hasMore, older.seq], [false, 7]);
});

test('while on, a live message shows only when its author is of the city; ours by our own city', async () => {
  const { lens, me } = setUp();
  const from = (userId, cityId, roomId = 10) => ({ room_id: roomId, user: { id: userId, city_id: cityId } });
  assert.equal(lens.shows(from(3, 480060)), true, 'off: everything shows');
  await lens.show(551487, 'Казань');
  assert.equal(lens.shows(from(2, 551487)), true);
  assert.equal(lens.shows(from(3, 480060)), false);
  assert.equal(lens.shows(from(4, null)), false, 'a hidden city is no city');
  assert.equal(lens.shows(from(3, 480060, 11)), true, 'another room is not filtered');
  assert.equal(lens.shows(from(1, null)), true, 'ours, hidden from others, is of our city');
  me.city_id = 480060;
  assert.equal(lens.shows(from(1, null)), false);
});

test('«показать все» ends it and loads the room as usual; a page from elsewhere only ends it', async () => {
  const { lens, calls, messages, elements, plainFetchOlder } = setUp();
  await lens.show(551487, 'Казань');
  calls.length = 0;
  elements.showAll.dispatch('click');
  assert.deepEqual(calls, ['reset', 'pending', ['newest', 10]]);
  assert.equal(elements.banner.hidden, true);
  assert.equal(messages.fetchOlder, plainFetchOlder);
  assert.equal(lens.shows({ room_id: 10, user: { id: 3, city_id: 1 } }), true);

  await lens.show(551487, 'Казань');
  calls.length = 0;
  assert.equal(lens.dropped(), true);
  assert.equal(lens.dropped(), false);
  assert.deepEqual(calls, [], 'nothing loaded: the pane has its page already');
});
