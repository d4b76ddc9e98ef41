// The who-reacted tooltip's text (static/js/reactors.js): every name up to ten, joined the way
// the language joins a list, then «и ещё N» for the rest, and nothing when nobody reacted.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { whoReacted } = await import('../../static/js/reactors.js');

const people = (n) => Array.from({ length: n }, (_, i) => ({ id: i + 1, username: `u${i + 1}` }));

test('a few names are listed as the language lists them', () => {
  assert.equal(whoReacted({ emoji: '👍', count: 1, users: people(1) }), 'Реакция 👍: u1');
  assert.equal(whoReacted({ emoji: '👍', count: 3, users: people(3) }), 'Реакция 👍: u1, u2 и u3');
});

test('past ten names, or past the names the server sent, the rest are counted', () => {
  const ten = people(10).map((u) => u.username).join(', ');
  assert.equal(whoReacted({ emoji: '❤️', count: 13, users: people(13) }), `Реакция ❤️: ${ten} и ещё 3`);
  assert.equal(whoReacted({ emoji: '❤️', count: 1234, users: people(50) }), `Реакция ❤️: ${ten} и ещё 1\u00a0224`, 'the number as Russian writes it');
  assert.equal(whoReacted({ emoji: '🎉', count: 3, users: people(2) }), 'Реакция 🎉: u1, u2 и ещё 1');
});

test('nobody reacted: no text', () => {
  assert.equal(whoReacted({ emoji: '👍', count: 0, users: [] }), null);
});
