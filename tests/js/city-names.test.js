// City names in the page's language (static/js/city-names.js): a Russian page asks for nothing;
// an English one asks GET /api/cities/{id} once per city however often it is shown, with a
// bounded number of requests at once, hears of the arrivals in one batch, keeps a bounded
// memory (the least recently used forgotten first), and keeps the Russian name of a city
// whose name cannot be read — without asking for it again.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('en');
const { CityNames, MAX_IN_FLIGHT } = await import('../../static/js/city-names.js');

const ENGLISH = { 551487: 'Kazan', 524901: 'Moscow', 498817: 'Saint Petersburg' };

/** A fake GET /api/cities/{id} whose answers the test releases; records what was asked. */
function server() {
  const asked = [];
  const pending = new Map();
  return {
    asked,
    inFlight: () => pending.size,
    pendingIds: () => [...pending.keys()],
    fetchCity: (id) => {
      asked.push(id);
      return new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
    },
    answer(id) {
      const { resolve } = pending.get(id);
      pending.delete(id);
      resolve({ id, name: 'х', name_en: ENGLISH[id] ?? `City ${id}` });
    },
    fail(id) {
      const { reject } = pending.get(id);
      pending.delete(id);
      reject(new Error('503'));
    },
  };
}

/** Lets promise callbacks (and queued notices) run. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

test('a Russian page shows the names the server sent and asks for nothing', () => {
  const s = server();
  const names = new CityNames({ fetchCity: s.fetchCity });
  assert.equal(names.name(551487, 'ru', 'Казань'), 'Казань');
  assert.deepEqual(s.asked, []);
});

test('an English page asks once per city, however often and wherever it is shown, and hears the arrivals in one batch', async () => {
  const s = server();
  const names = new CityNames({ fetchCity: s.fetchCity });
  const batches = [];
  names.onNames((ids) => batches.push([...ids].sort()));

  for (let i = 0; i < 50; i += 1) {
    assert.equal(names.name(551487, 'en', 'Казань'), 'Казань', 'the Russian name until the English one comes');
    assert.equal(names.name('524901', 'en', 'Москва'), 'Москва');
  }
  await settle();
  assert.deepEqual(s.asked, [551487, 524901], 'one request per distinct city');
  s.answer(551487);
  s.answer(524901);
  await settle();

  assert.deepEqual(batches, [[524901, 551487]], 'one notice for answers that came together');
  assert.equal(names.name(551487, 'en', 'Казань'), 'Kazan');
  assert.equal(names.name(524901, 'en', 'Москва'), 'Moscow');
  assert.equal(names.name(551487, 'ru', 'Казань'), 'Казань', 'back in Russian, the Russian name');
  assert.deepEqual(s.asked, [551487, 524901], 'nothing asked again');
});

test('no more than a few requests run at once; the rest wait their turn', async () => {
  const s = server();
  const names = new CityNames({ fetchCity: s.fetchCity });
  for (let id = 1; id <= 10; id += 1) names.name(id, 'en', `Город ${id}`);
  await settle();
  assert.equal(s.inFlight(), MAX_IN_FLIGHT);
  assert.deepEqual(s.asked, [1, 2, 3, 4]);

  s.answer(2);
  await settle();
  assert.deepEqual(s.asked, [1, 2, 3, 4, 5], 'a freed slot takes the next city');
  for (let id = 1; id <= 10; id += 1) names.name(id, 'en', `Город ${id}`);
  while (s.inFlight() > 0) {
    assert.ok(s.inFlight() <= MAX_IN_FLIGHT);
    for (const id of s.pendingIds()) s.answer(id);
    await settle();
  }
  assert.deepEqual([...s.asked].sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'each asked once');
  assert.equal(names.name(10, 'en', 'Город 10'), 'City 10');
});

test('the memory is bounded and forgets the least recently used city first', async () => {
  const s = server();
  const names = new CityNames({ fetchCity: s.fetchCity, limit: 2 });
  for (const id of [1, 2]) names.name(id, 'en', 'х');
  await settle();
  s.answer(1);
  s.answer(2);
  await settle();
  assert.equal(names.name(1, 'en', 'х'), 'City 1', 'used again: 1 is now the more recent');

  names.name(3, 'en', 'х');
  await settle();
  s.answer(3);
  await settle();

  assert.equal(names.known.size, 2);
  assert.equal(names.name(1, 'en', 'х'), 'City 1', 'kept');
  assert.equal(names.name(2, 'en', 'Город 2'), 'Город 2', 'forgotten, so asked anew');
  await settle();
  assert.deepEqual(s.asked, [1, 2, 3, 2]);
});

test('a city whose name cannot be read keeps its Russian name and is not asked for again', async () => {
  const s = server();
  const names = new CityNames({ fetchCity: s.fetchCity });
  let heard = 0;
  names.onNames(() => { heard += 1; });
  names.name(7, 'en', 'Нарьян-Мар');
  await settle();
  s.fail(7);
  await settle();

  assert.equal(names.name(7, 'en', 'Нарьян-Мар'), 'Нарьян-Мар');
  assert.deepEqual(s.asked, [7]);
  assert.equal(heard, 1, 'the failure is an arrival too: views stop waiting');
  assert.equal(names.name('x', 'en', 'Нарния'), 'Нарния', 'no id, no request');
  assert.deepEqual(s.asked, [7]);
});
