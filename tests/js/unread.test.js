// The unread counts (static/js/unread.js): a live message counts once, not when it is mine,
// read as it comes or already behind the read marker; a mention of me counts as a mention
// too; the server's word and reading the room set the counts; the badge says «1000+» at the
// server's cap and its label uses the language's plural forms; the title gets the sum in front.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { UnreadCounts, countText, mentionsLabel, titleWithCount } = await import('../../static/js/unread.js');

const ME = 7;
const message = (id, { room = 2, user = 3, mentions = [] } = {}) => ({ id, room_id: room, user: { id: user }, mentions });

test('a live message from someone else counts once, and a mention of me counts as a mention', () => {
  const counts = new UnreadCounts();
  assert.equal(counts.posted(message(10), ME, false), true);
  assert.equal(counts.posted(message(11, { mentions: [3, ME] }), ME, false), true);
  assert.equal(counts.posted(message(11, { mentions: [ME] }), ME, false), false, 'a repeat is not counted again');
  assert.equal(counts.posted(message(12, { mentions: [9] }), ME, false), true);
  assert.equal(counts.get(2).unread, 3);
  assert.equal(counts.get(2).mentions, 1);
  assert.equal(counts.get(5).unread, 0, 'another room is untouched');
});

test('my own message, one read as it comes and one behind the marker are not counted', () => {
  const counts = new UnreadCounts();
  counts.set({ room_id: 2, last_read_id: 20, unread: 0, mentions: 0 });
  assert.equal(counts.posted(message(21, { user: ME }), ME, false), false);
  assert.equal(counts.posted(message(22, { mentions: [ME] }), ME, true), false);
  assert.equal(counts.posted(message(19, { mentions: [ME] }), ME, false), false);
  assert.equal(counts.get(2).unread, 0);
  assert.equal(counts.get(2).mentions, 0);
});

test('the server sets a room, every room, and reading a room clears it', () => {
  const counts = new UnreadCounts();
  counts.setAll([
    { room_id: 1, last_read_id: 5, unread: 2, mentions: 1 },
    { room_id: 2, last_read_id: 0, unread: 1000, mentions: 1000 },
  ]);
  assert.equal(counts.total(), 1002);
  assert.equal(counts.total((id) => id !== 2), 2, 'a room that is gone does not count');
  counts.set({ room_id: 1, last_read_id: 6, unread: 1, mentions: 0 });
  assert.equal(counts.get(1).mentions, 0);
  assert.equal(counts.read(2, 900), true);
  assert.equal(counts.read(2, 901), false, 'nothing left to clear');
  assert.equal(counts.posted(message(900), ME, false), false, 'at or below what was read');
  counts.setAll([{ room_id: 2, last_read_id: 901, unread: 0, mentions: 0 }]);
  assert.equal(counts.get(1).unread, 0, 'a room the server no longer lists is forgotten');
  assert.equal(counts.total(), 0);
});

test('a count stops at the cap and the badge says 1000+', () => {
  const counts = new UnreadCounts();
  counts.set({ room_id: 2, last_read_id: 0, unread: 1000, mentions: 999 });
  counts.posted(message(5000, { mentions: [ME] }), ME, false);
  assert.equal(counts.get(2).unread, 1000);
  assert.equal(counts.get(2).mentions, 1000);
  assert.equal(countText(3), '3');
  assert.equal(countText(1000), '1000+');
});

test('the badge label uses Russian plural forms, and the title gets the sum in front', () => {
  assert.equal(mentionsLabel(1), '1 упоминание');
  assert.equal(mentionsLabel(3), '3 упоминания');
  assert.equal(mentionsLabel(5), '5 упоминаний');
  assert.equal(mentionsLabel(21), '21 упоминание');
  assert.equal(mentionsLabel(1000), '1\u00a0000 упоминаний и больше');
  assert.equal(titleWithCount('#общий — Discock', 3), '(3) #общий — Discock');
  assert.equal(titleWithCount('#общий — Discock', 0), '#общий — Discock');
});

test('the unread line goes above the first message after the marker that is not mine', async () => {
  const { firstUnread } = await import('../../static/js/unread-divider.js');
  const mine = (id) => id === 21;
  assert.equal(firstUnread([18, 19, 20, 21, 22], 20, mine), 22, 'my own message after the marker is not news');
  assert.equal(firstUnread([18, 19, 20], 20, mine), null, 'nothing after the marker is loaded');
  assert.equal(firstUnread([30, 31], 20, mine), 30, 'the whole page is after the marker');
});

test('a notification is for a direct message or a mention of me, while hidden, unless muted, mine or blocked', async () => {
  const { shouldNotify } = await import('../../static/js/notifications.js');
  const base = { meId: ME, dm: false, muted: () => false, blocked: () => false, hidden: true, enabled: true };
  const mention = message(40, { mentions: [ME] });
  assert.equal(shouldNotify(mention, base), true);
  assert.equal(shouldNotify(message(41), base), false, 'no mention, no conversation');
  assert.equal(shouldNotify(message(42), { ...base, dm: true }), true, 'a direct message');
  assert.equal(shouldNotify(mention, { ...base, hidden: false }), false, 'the tab is in view');
  assert.equal(shouldNotify(mention, { ...base, enabled: false }), false, 'not asked for');
  assert.equal(shouldNotify(mention, { ...base, muted: (room) => room === 2 }), false, 'a muted room');
  assert.equal(shouldNotify(mention, { ...base, blocked: (user) => user === 3 }), false, 'a blocked author');
  assert.equal(shouldNotify(message(43, { user: ME, mentions: [ME] }), base), false, 'my own');
});
