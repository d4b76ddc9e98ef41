// Quiet hours in the composer (static/js/quiet-hours.js): the other person of a conversation,
// or a member named with @ in the draft, whose clock says 23:00–06:59, is named in a gentle
// notice with their time; nobody else is, never me, and not someone whose zone does not show.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { mentionedNames, quietPeople, quietText } = await import('../../static/js/quiet-hours.js');

// 20:14 UTC: 23:14 in Moscow, 06:14 in Vladivostok — both asleep; 21:14 in Berlin (winter).
const NOW = new Date('2026-12-07T20:14:00Z');
const ME = { id: 1, username: 'я', timezone: 'Europe/Moscow' };
const boris = { id: 2, username: 'Борис', timezone: 'Europe/Moscow' };
const vera = { id: 3, username: 'vera.k', timezone: 'Asia/Vladivostok' };
const hans = { id: 4, username: 'Hans', timezone: 'Europe/Berlin' };
const hidden = { id: 5, username: 'Тень', timezone: null };
const members = [ME, boris, vera, hans, hidden];
const room = { id: 10, kind: 'room', peer: null };
const ids = (people) => people.map((p) => p.id);

test('the names written with @ are read from the draft, each once, case aside', () => {
  assert.deepEqual([...mentionedNames('@Борис привет, @vera.k. и ещё раз @борис')], ['борис', 'vera.k']);
  assert.deepEqual([...mentionedNames('почта a@b.ru, не упоминание')], []);
});

test('a member named in the draft who is in quiet hours is noticed', () => {
  assert.deepEqual(ids(quietPeople({ draft: '@Борис ты тут?', room, members, meId: ME.id, now: NOW })), [2]);
  assert.deepEqual(ids(quietPeople({ draft: '@борис @vera.k', room, members, meId: ME.id, now: NOW })), [2, 3]);
});

test('nobody is noticed who is awake, whose zone is hidden, who is me, or who is not in the room', () => {
  for (const draft of ['@Hans guten Abend', '@Тень ты где', '@я себе', '@Незнакомец', 'без упоминаний', '']) {
    assert.deepEqual(quietPeople({ draft, room, members, meId: ME.id, now: NOW }), [], draft);
  }
});

test('in a conversation, its other person in quiet hours is noticed without any @', () => {
  const dm = { id: 11, kind: 'dm', peer: { id: 3, username: 'vera.k', timezone: 'Asia/Vladivostok' } };
  assert.deepEqual(ids(quietPeople({ draft: '', room: dm, members: [], meId: ME.id, now: NOW })), [3]);
  // Daytime where they are: no notice.
  assert.deepEqual(quietPeople({ draft: '', room: dm, members: [], meId: ME.id, now: new Date('2026-12-07T03:00:00Z') }), []);
  // Named with @ too: still once.
  assert.deepEqual(ids(quietPeople({ draft: '@vera.k', room: dm, members, meId: ME.id, now: NOW })), [3]);
});

test('the notice names one person with their time, several by name, none with nothing', () => {
  assert.equal(quietText([boris], NOW), 'Борис: сейчас 23:14 по местному времени');
  assert.equal(quietText([boris, vera], NOW), 'Борис и vera.k: сейчас ночь по местному времени');
  assert.equal(quietText([], NOW), '');
});
