// The member list (static/js/members.js) with times and cities: each person whose zone shows
// has their local time beside them, moved on by the minute tick without redrawing the rows;
// our own row shows our own full data; «По городам» groups the list, the biggest city first,
// and a canonical city's «Только их сообщения» names that city to whoever filters the pane.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { MemberList } = await import('../../static/js/members.js');

const byClass = (root, name) => root.findAll((el) => el.classList.contains(name));

function memberList() {
  const el = (tag) => document.createElement(tag);
  const members = new MemberList({
    list: el('ul'), title: el('h2'), badge: el('span'), staleNote: el('p'), meId: 1, byCity: el('button'),
  });
  members.setAll([
    { id: 1, username: 'Алиса', city: null, city_id: null, country: null, timezone: null },
    { id: 2, username: 'Борис', city: 'Казань', city_id: 551487, country: 'RU', timezone: 'Europe/Moscow' },
    { id: 3, username: 'Вера', city: 'Казань', city_id: 551487, country: 'RU', timezone: 'Europe/Moscow' },
    { id: 4, username: 'Глеб', city: null, city_id: null, country: null, timezone: null },
    { id: 5, username: 'Дина', city: 'Владивосток', city_id: 2013348, country: 'RU', timezone: 'Asia/Vladivostok' },
  ]);
  return members;
}

test('someone whose zone shows has their local time beside them, and the tick moves it on', () => {
  const members = memberList();
  const times = () => byClass(members.list, 'member__time').map((el) => el.textContent);
  assert.equal(times().length, 3, 'Борис, Вера and Дина; nobody without a zone');
  const rows = members.list.children;
  members.tick(new Date('2026-12-07T11:05:00Z'));
  assert.deepEqual(times(), ['14:05', '14:05', '21:05']);
  assert.equal(byClass(members.list, 'member__time')[2].title, 'Местное время: 21:05');
  assert.deepEqual(members.list.children, rows, 'the rows themselves stay');
});

test('our own row shows our own city and time, which frames show others only as we let them', () => {
  const members = memberList();
  members.setSelf({ id: 1, city: 'Тверь', city_id: 480060, country: 'RU', timezone: 'Europe/Moscow' });
  const mine = members.list.children[0];
  assert.match(mine.textContent, /Алиса \(вы\)Тверь\d\d:\d\d/);
});

test('«По городам» groups the list, the biggest city first, the hidden ones last', () => {
  const members = memberList();
  members.setSelf({ id: 1, city: 'Казань', city_id: 551487, country: 'RU', timezone: 'Europe/Moscow' });
  members.byCity.dispatch('click');
  assert.equal(members.byCity.getAttribute('aria-pressed'), 'true');
  const heads = byClass(members.list, 'members__group-head');
  assert.deepEqual(heads.map((head) => [byClass(head, 'members__group-name')[0].textContent, byClass(head, 'members__group-count')[0].textContent]),
    [['Казань', '3'], ['Владивосток', '1'], ['Город скрыт', '1']]);
  assert.equal(byClass(heads[2], 'members__group-lens').length, 0, 'no city to filter by');

  const asked = [];
  members.onLens = (cityId, name) => asked.push([cityId, name]);
  byClass(heads[0], 'members__group-lens')[0].dispatch('click');
  assert.deepEqual(asked, [[551487, 'Казань']]);
  assert.equal(byClass(heads[0], 'members__group-lens')[0].textContent, 'Только их сообщения');

  members.byCity.dispatch('click');
  assert.equal(byClass(members.list, 'members__group').length, 0, 'back to one list');
  assert.equal(members.list.children.length, 5);
});
