// Cities (static/js/city-label.js, static/js/city-picker.js): what a badge says of someone who
// shows their city, only their country, or nothing — and that we always see our own; how the
// picker's keys move, pick and close (Enter never submits while the list is open, Escape
// closes only the list), that only the newest answer is listed, and that picking fills
// `city_id` while editing the text afterwards empties it.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { cityLabel, countryName } = await import('../../static/js/city-label.js');
const { pickerKey, cityName, cityDetail, RequestGate, CityPicker, DEBOUNCE_MS } = await import('../../static/js/city-picker.js');

const ME = { id: 7, city: 'Казань', country: 'RU' };

test('a city shown is said as it is', () => {
  assert.deepEqual(cityLabel({ id: 1, city: 'Санкт-Петербург', country: 'RU' }, ME, 'ru'), { text: 'Санкт-Петербург', scope: 'city' });
  assert.deepEqual(cityLabel({ id: 1, city: 'Деревня Гадюкино', country: null }, ME, 'ru'), { text: 'Деревня Гадюкино', scope: 'city' });
});

test('someone who shows only their country is shown by the country, named in the page language', () => {
  assert.deepEqual(cityLabel({ id: 1, city: null, country: 'RU' }, ME, 'ru'), { text: 'Россия', scope: 'country' });
  assert.deepEqual(cityLabel({ id: 1, city: null, country: 'DE' }, ME, 'en'), { text: 'Germany', scope: 'country' });
  assert.equal(countryName('kz', 'ru'), 'Казахстан');
});

test('someone who hides their city, or whose country is unknown, has no badge at all', () => {
  assert.equal(cityLabel({ id: 1, city: null, country: null }, ME, 'ru'), null);
  assert.equal(cityLabel({ id: 1, city: '  ', country: undefined }, ME, 'ru'), null);
  assert.equal(cityLabel({ id: 1, city: null, country: 'not a code' }, ME, 'ru'), null);
});

test('we always see our own city, even as frames shared with everyone hide it', () => {
  assert.deepEqual(cityLabel({ id: 7, city: null, country: null }, ME, 'ru'), { text: 'Казань', scope: 'city' });
  assert.deepEqual(cityLabel({ id: '7', city: null, country: 'RU' }, ME, 'en'), { text: 'Казань', scope: 'city' });
  assert.deepEqual(cityLabel({ id: 8, city: null, country: null }, null, 'ru'), null, 'without an account set, nobody is us');
  assert.equal(cityLabel({ id: null, city: null }, { id: null, city: 'Казань' }, 'ru'), null, 'an unknown author is not us');
});

test('arrow keys open the list and move through it, round at both ends', () => {
  const closed = { open: false, count: 3, active: -1 };
  assert.deepEqual(pickerKey(closed, 'ArrowDown'), { open: true, active: 0, pick: null, handled: true });
  assert.deepEqual(pickerKey(closed, 'ArrowUp'), { open: true, active: 2, pick: null, handled: true });
  assert.equal(pickerKey({ open: true, count: 3, active: -1 }, 'ArrowDown').active, 0);
  assert.equal(pickerKey({ open: true, count: 3, active: 2 }, 'ArrowDown').active, 0);
  assert.equal(pickerKey({ open: true, count: 3, active: 0 }, 'ArrowUp').active, 2);
  assert.equal(pickerKey({ open: true, count: 3, active: -1 }, 'ArrowUp').active, 2);
  assert.equal(pickerKey({ open: false, count: 0, active: -1 }, 'ArrowDown').handled, false, 'nothing to move through');
});

test('Enter picks the option moved to and, while the list is open, never submits the form', () => {
  assert.deepEqual(pickerKey({ open: true, count: 3, active: 1 }, 'Enter'), { open: false, active: -1, pick: 1, handled: true });
  assert.deepEqual(pickerKey({ open: true, count: 3, active: -1 }, 'Enter'), { open: false, active: -1, pick: null, handled: true });
  assert.equal(pickerKey({ open: false, count: 3, active: -1 }, 'Enter').handled, false, 'closed: Enter submits as usual');
});

test('Escape closes only the list; Tab picks the option moved to and lets the focus go on', () => {
  assert.deepEqual(pickerKey({ open: true, count: 3, active: 1 }, 'Escape'), { open: false, active: -1, pick: null, handled: true });
  assert.equal(pickerKey({ open: false, count: 3, active: -1 }, 'Escape').handled, false, 'closed: the dialog may close');
  assert.deepEqual(pickerKey({ open: true, count: 3, active: 2 }, 'Tab'), { open: false, active: -1, pick: 2, handled: false });
  assert.deepEqual(pickerKey({ open: true, count: 3, active: -1 }, 'Tab'), { open: false, active: -1, pick: null, handled: false });
  assert.equal(pickerKey({ open: true, count: 3, active: 1 }, 'a').handled, false, 'typing is the field\'s');
});

test('an option says the city in the page language, then its region and country', () => {
  const spb = { id: 498817, name: 'Санкт-Петербург', name_en: 'Saint Petersburg', country: 'RU', region: 'Санкт-Петербург' };
  assert.equal(cityName(spb, 'ru'), 'Санкт-Петербург');
  assert.equal(cityName(spb, 'en'), 'Saint Petersburg');
  assert.equal(cityDetail(spb, 'ru'), 'Санкт-Петербург, Россия');
  assert.equal(cityDetail({ ...spb, region: null }, 'en'), 'Russia');
  assert.equal(cityDetail({ ...spb, region: 'RU.66' }, 'ru'), 'Россия', 'a bare region key is left out');
});

test('only the newest request counts; a cancelled one is stale too', () => {
  const gate = new RequestGate();
  const first = gate.next();
  const second = gate.next();
  assert.equal(gate.isCurrent(first), false);
  assert.equal(gate.isCurrent(second), true);
  gate.cancel();
  assert.equal(gate.isCurrent(second), false);
});

const CITIES = {
  пи: [{ id: 1, name: 'Пирятин', name_en: 'Pyriatyn', country: 'UA', region: null }],
  питер: [
    { id: 498817, name: 'Санкт-Петербург', name_en: 'Saint Petersburg', country: 'RU', region: 'Санкт-Петербург' },
    { id: 2, name: 'Питерка', name_en: 'Piterka', country: 'RU', region: 'Саратовская область' },
  ],
};

/** A picker on a fake field, with a hand-run timer and answers the test releases one by one. */
function fakePicker() {
  const field = document.createElement('div');
  const input = document.createElement('input');
  input.id = 'city';
  input.value = '';
  const idInput = document.createElement('input');
  idInput.value = '';
  field.append(input);
  const timers = [];
  const asked = [];
  const picker = new CityPicker({
    input, idInput,
    search: (query) => new Promise((resolve) => asked.push({ query, answer: () => resolve(CITIES[query] ?? []) })),
    setTimer: (fn, ms) => timers.push({ fn, ms }) - 1,
    clearTimer: (id) => { timers[id].fn = null; },
  });
  input.focus();
  const type = (value) => {
    input.value = value;
    input.dispatch('input');
  };
  const tick = () => {
    for (const timer of timers.splice(0)) {
      assert.equal(timer.ms, DEBOUNCE_MS);
      timer.fn?.();
    }
  };
  const press = (key) => input.dispatch('keydown', { key });
  return { field, input, idInput, picker, type, tick, asked, press };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('typing asks once after a pause; ↓ and Enter put the city and its id in the form', async () => {
  const { field, input, idInput, picker, type, tick, asked, press } = fakePicker();
  assert.equal(input.getAttribute('role'), 'combobox');
  assert.equal(input.getAttribute('aria-expanded'), 'false');
  const listbox = field.children.find((el) => el.getAttribute('role') === 'listbox');
  assert.equal(input.getAttribute('aria-controls'), listbox.getAttribute('id'));

  type('п');
  type('пи');
  type('питер');
  tick();
  assert.deepEqual(asked.map((a) => a.query), ['питер'], 'one question, for the text as it is after the pause');
  asked[0].answer();
  await settle();
  assert.equal(input.getAttribute('aria-expanded'), 'true');
  assert.equal(listbox.hidden, false);
  assert.deepEqual(listbox.children.map((li) => li.textContent), ['Санкт-ПетербургСанкт-Петербург, Россия', 'ПитеркаСаратовская область, Россия']);
  assert.equal(input.getAttribute('aria-activedescendant'), null, 'nothing chosen until an arrow is pressed');

  assert.equal(press('ArrowDown').defaultPrevented, true);
  assert.equal(input.getAttribute('aria-activedescendant'), listbox.children[0].getAttribute('id'));
  assert.equal(listbox.children[0].getAttribute('aria-selected'), 'true');
  const enter = press('Enter');
  assert.equal(enter.defaultPrevented, true, 'Enter picked; the form is not submitted');
  assert.equal(input.value, 'Санкт-Петербург');
  assert.equal(idInput.value, '498817');
  assert.equal(picker.cityId(), 498817);
  assert.equal(input.getAttribute('aria-expanded'), 'false');
  assert.equal(press('Enter').defaultPrevented, false, 'closed: the next Enter submits');

  type('Санкт-Петербур');
  assert.equal(idInput.value, '', 'an edited name is no longer the city picked');
  assert.equal(picker.cityId(), null);
});

test('an answer overtaken by newer typing is never listed', async () => {
  const { input, type, tick, asked } = fakePicker();
  type('пи');
  tick();
  type('питер');
  tick();
  asked[1].answer();
  await settle();
  asked[0].answer();
  await settle();
  assert.equal(input.getAttribute('aria-activedescendant'), null);
  const listbox = input.parentElement.children.find((el) => el.getAttribute('role') === 'listbox');
  assert.deepEqual(listbox.children.map((li) => li.children[0].textContent), ['Санкт-Петербург', 'Питерка']);
});

test('Escape closes the list without letting the key reach the dialog; leaving the field closes it too', async () => {
  const { input, type, tick, asked, press } = fakePicker();
  type('питер');
  tick();
  asked[0].answer();
  await settle();
  const escape = press('Escape');
  assert.equal(escape.defaultPrevented, true);
  assert.equal(escape.propagationStopped, true, 'the dialog around does not hear it');
  assert.equal(input.getAttribute('aria-expanded'), 'false');
  assert.equal(press('Escape').defaultPrevented, false, 'closed: Escape is the dialog\'s again');

  type('пи');
  tick();
  input.dispatch('blur');
  asked[1].answer();
  await settle();
  assert.equal(input.getAttribute('aria-expanded'), 'false', 'an answer after the focus left opens nothing');
});

test('a saved city comes back with its id, and free text without one', () => {
  const { idInput, picker } = fakePicker();
  picker.setCity('Казань', 551487);
  assert.equal(picker.cityId(), 551487);
  picker.setCity('Деревня Гадюкино', null);
  assert.equal(picker.cityId(), null);
  assert.equal(idInput.value, '');
});

test('the badge says the city, the country with its own title, or is left out; ours is ours', async () => {
  const { cityBadge } = await import('../../static/js/people.js');
  const { showOwnCityFrom } = await import('../../static/js/city-label.js');
  showOwnCityFrom({ id: 7, city: 'Казань' });
  const city = cityBadge({ id: 1, city: 'Тверь', country: 'RU' });
  assert.equal(city.textContent, 'Тверь');
  assert.equal(city.getAttribute('title'), 'Город: Тверь');
  const country = cityBadge({ id: 1, city: null, country: 'RU' });
  assert.equal(country.textContent, 'Россия');
  assert.equal(country.getAttribute('title'), 'Страна: Россия');
  assert.equal(cityBadge({ id: 1, city: null, country: null }), null);
  assert.equal(cityBadge({ id: 7, city: null, country: null }).textContent, 'Казань');
  assert.equal(cityBadge('Тверь').textContent, 'Тверь', 'a text is shown as it is');
  assert.equal(cityBadge(null), null);
});
