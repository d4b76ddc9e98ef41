// The sidebar's rooms (static/js/rooms.js): a direct conversation is named after the other
// person and carries no description; public rooms come first in creation order, then the
// conversations, the one with the newest message first.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { normalise, sidebarOrder, isCityRoom } = await import('../../static/js/rooms.js');

const ME = 7;
const room = (id, created_at) => ({ id, name: `r${id}`, description: 'о чём', created_by: 1, created_at });
const dm = (id, created_at, peer) => ({
  id, kind: 'dm', name: '', description: '', created_by: null, created_at,
  members: [{ id: ME, username: 'я', city: 'Тверь' }, { id: peer, username: `p${peer}`, city: 'Омск' }],
});

test('a conversation is named after the other person, whoever is listed first', () => {
  const mine = normalise(dm(3, '2026-12-01T00:00:00Z', 2), ME, 40);
  assert.equal(mine.kind, 'dm');
  assert.equal(mine.name, 'p2');
  assert.equal(mine.peer.id, 2);
  assert.equal(mine.activity, 40);
  const reversed = { ...dm(4, '2026-12-01T00:00:00Z', 9), members: [{ id: 9, username: 'p9' }, { id: ME, username: 'я' }] };
  assert.equal(normalise(reversed, ME).name, 'p9');
});

test('a public room keeps its name and description and has no peer', () => {
  const plain = normalise(room(1, '2026-12-01T00:00:00Z'), ME);
  assert.deepEqual([plain.kind, plain.name, plain.description, plain.peer], ['room', 'r1', 'о чём', null]);
});

test('the sidebar lists rooms by creation, then conversations by their newest message', () => {
  const rooms = [
    normalise(dm(10, '2026-12-01T00:00:00Z', 2), ME, 5),
    normalise(room(2, '2026-12-02T00:00:00Z'), ME),
    normalise(dm(11, '2026-12-03T00:00:00Z', 3), ME, 50),
    normalise(room(1, '2026-12-01T00:00:00Z'), ME),
    normalise(dm(12, '2026-12-04T00:00:00Z', 4), ME, 0),
    normalise(dm(13, '2026-12-05T00:00:00Z', 5), ME, 0),
  ];
  assert.deepEqual(sidebarOrder(rooms).map((r) => r.id), [1, 2, 11, 10, 13, 12]);
});

test('rooms of cities come after the other rooms, mine first, then the most people', () => {
  const city = (id, city_id, city_members, name) => normalise({ ...room(id, '2026-12-01T00:00:00Z'), name, city_id, city_members, created_by: null }, ME);
  const rooms = [
    city(20, 480060, 2, 'Тверь'),
    normalise(room(1, '2026-12-01T00:00:00Z'), ME),
    city(21, 551487, 5, 'Казань'),
    city(22, 1496153, 2, 'Омск'),
    normalise(dm(10, '2026-12-01T00:00:00Z', 2), ME, 5),
  ];
  assert.deepEqual(sidebarOrder(rooms).map((r) => r.id), [1, 21, 22, 20, 10]);
  assert.deepEqual(sidebarOrder(rooms, 1496153).map((r) => r.id), [1, 22, 21, 20, 10]);
  assert.deepEqual(rooms.filter(isCityRoom).map((r) => [r.city_id, r.city_members]), [[480060, 2], [551487, 5], [1496153, 2]]);
});

test('an ordinary room and a conversation are no city rooms, whatever they carry', () => {
  const plain = normalise(room(1, '2026-12-01T00:00:00Z'), ME);
  assert.deepEqual([plain.city_id, plain.city_members, isCityRoom(plain)], [null, null, false]);
  const withNulls = normalise({ ...room(2, '2026-12-01T00:00:00Z'), city_id: null, city_members: null }, ME);
  assert.equal(isCityRoom(withNulls), false);
  assert.equal(isCityRoom(normalise({ ...dm(3, '2026-12-01T00:00:00Z', 2), city_id: 5 }, ME)), false);
});
