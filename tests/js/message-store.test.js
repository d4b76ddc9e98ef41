// The open room's message data (static/js/message-store.js): a change is applied once
// whatever order pages and frames come in, a deleted message stays deleted, and live
// messages held back while an older window is shown join the list on the way back.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { MessageStore } from '../../static/js/message-store.js';

const message = (id, content = `m${id}`, user = 2) => ({ id, content, user: { id: user, username: `u${user}` } });

test('a page keeps its messages once each, in id order, and knows my newest one', () => {
  const store = new MessageStore({ id: 1 });
  store.replace([message(3), message(1, 'mine', 1), message(2), message(3)], 10, { withHeld: true });
  assert.deepEqual(store.order, [1, 2, 3]);
  assert.equal(store.lastOwn().content, 'mine');
});

test('a change a page already contained is not applied again, a later one is', () => {
  const store = new MessageStore({ id: 1 });
  store.replace([message(1, 'as of seq 10')], 10, { withHeld: true });
  assert.equal(store.patch(1, 9, (m) => ({ ...m, content: 'older' })), null);
  assert.equal(store.patch(1, 10, (m) => ({ ...m, content: 'same' })), null);
  assert.equal(store.patch(1, 11, (m) => ({ ...m, content: 'newer' })), 'shown');
  assert.equal(store.get(1).content, 'newer');
  assert.equal(store.patch(7, 12, (m) => m), null, 'a message not loaded is nothing to do');
});

test('a page read before frames the view applied does not take their changes back', () => {
  const store = new MessageStore({ id: 1 });
  store.replace([message(1)], 10, { withHeld: true });
  store.patch(1, 12, (m) => ({ ...m, content: 'edited at 12' }));
  store.replace([message(1, 'as of 11'), message(2)], 11, { withHeld: true });
  assert.equal(store.get(1).content, 'edited at 12');
});

test('a message deleted after a page was read stays deleted; one deleted before it is gone anyway', () => {
  const store = new MessageStore({ id: 1 });
  store.replace([message(1), message(2)], 10, { withHeld: true });
  assert.equal(store.delete(2, 12), true);
  store.replace([message(1), message(2)], 11, { withHeld: true });
  assert.deepEqual(store.order, [1]);
  assert.equal(store.delete(5, 13), false, 'not on the list');
});

test('live messages held behind an older window join the newest page without a gap or a repeat', () => {
  const store = new MessageStore({ id: 1 });
  store.replace([message(1), message(2)], 10, { withHeld: false });
  store.hold(message(8), 20);
  store.hold(message(9), 21);
  store.patch(9, 22, (m) => ({ ...m, content: 'edited while held' }));
  assert.deepEqual(store.order, [1, 2], 'not on the older window');
  store.replace([message(6), message(7), message(8)], 19, { withHeld: true });
  assert.deepEqual(store.order, [6, 7, 8, 9]);
  assert.equal(store.get(9).content, 'edited while held');
  assert.equal(store.held.size, 0);
});

test('a reply whose original was deleted says so', () => {
  const store = new MessageStore({ id: 1 });
  const reply = { ...message(2), reply_to: { id: 1, user: { id: 2, username: 'u2' }, excerpt: 'm1' } };
  store.replace([message(1), reply], 10, { withHeld: true });
  assert.deepEqual(store.patchReplies(1, () => ({ id: 1, deleted: true })), [2]);
  assert.deepEqual(store.get(2).reply_to, { id: 1, deleted: true });
});
