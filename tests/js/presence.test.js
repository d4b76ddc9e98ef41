// Presence (static/js/presence.js): the idle detector tells each change once — idle when the tab
// is hidden or after five quiet minutes, online at the first input or when the tab is shown —
// with a clock and a timer the test turns by hand; the map of who is online keeps what the
// member lists, frames and answers say, tells its subscribers of changes only, and the dots and
// words built from it follow by themselves, in the catalogue's words.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { installFakeDom } from './fake-dom.js';

installFakeDom('ru');
const { IdleDetector, IDLE_AFTER_MS, PresenceMap, presences, presenceDot, presenceText } =
  await import('../../static/js/presence.js');

/** A hand-turned clock with one timer slot at a time, as the detector uses it. */
function fakeTime() {
  const time = { now: 0, timers: new Map(), next: 1 };
  time.setTimer = (fn, ms) => {
    const id = time.next++;
    time.timers.set(id, { fn, at: time.now + ms });
    return id;
  };
  time.clearTimer = (id) => time.timers.delete(id);
  /** Moves the clock on by `ms`, firing each timer that falls due, in order. */
  time.advance = (ms) => {
    const until = time.now + ms;
    for (;;) {
      const due = [...time.timers].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      time.timers.delete(due[0]);
      time.now = due[1].at;
      due[1].fn();
    }
    time.now = until;
  };
  return time;
}

function detector({ hidden = false } = {}) {
  const time = fakeTime();
  const sent = [];
  const idle = new IdleDetector({
    hidden, onChange: (status) => sent.push(status),
    now: () => time.now, setTimer: time.setTimer, clearTimer: time.clearTimer,
  });
  return { idle, time, sent };
}

test('five quiet minutes make a visible page idle, and the next input online again', () => {
  const { idle, time, sent } = detector();
  assert.equal(idle.status, 'online');
  time.advance(IDLE_AFTER_MS - 1);
  assert.deepEqual(sent, [], 'not a moment early');
  time.advance(1);
  assert.deepEqual(sent, ['idle']);
  time.advance(IDLE_AFTER_MS * 3);
  assert.deepEqual(sent, ['idle'], 'said once');
  idle.input();
  idle.input();
  assert.deepEqual(sent, ['idle', 'online'], 'the first input, once');
  time.advance(IDLE_AFTER_MS);
  assert.deepEqual(sent, ['idle', 'online', 'idle'], 'and quiet again for five minutes');
});

test('input keeps a page online: five minutes count from the last one', () => {
  const { idle, time, sent } = detector();
  time.advance(4 * 60_000);
  idle.input();
  time.advance(4 * 60_000);
  idle.input();
  time.advance(IDLE_AFTER_MS - 1);
  assert.deepEqual(sent, []);
  assert.equal(time.timers.size, 1, 'one timer, not one per input');
  time.advance(1);
  assert.deepEqual(sent, ['idle']);
});

test('a hidden tab is idle at once and online as soon as it is shown', () => {
  const { idle, time, sent } = detector();
  time.advance(1000);
  idle.visibility(true);
  assert.deepEqual(sent, ['idle']);
  idle.input();
  time.advance(IDLE_AFTER_MS * 2);
  idle.visibility(true);
  assert.deepEqual(sent, ['idle'], 'hidden stays idle: no input counts, no repeat');
  idle.visibility(false);
  assert.deepEqual(sent, ['idle', 'online']);
  time.advance(IDLE_AFTER_MS - 1);
  assert.deepEqual(sent, ['idle', 'online'], 'shown counts as input');
  time.advance(1);
  assert.deepEqual(sent, ['idle', 'online', 'idle']);
});

test('a page opened in a hidden tab starts idle without telling, and is online when shown', () => {
  const { idle, time, sent } = detector({ hidden: true });
  assert.equal(idle.status, 'idle');
  assert.equal(time.timers.size, 0);
  idle.visibility(false);
  assert.deepEqual(sent, ['online']);
});

test('the map keeps what it hears, offline for anyone unheard of, and tells changes only', () => {
  const map = new PresenceMap();
  const heard = [];
  const stop = map.subscribe((id, status) => heard.push([id, status]));
  assert.equal(map.get(5), 'offline');
  map.inRoom([{ id: 5, username: 'Анна' }, { id: '6', presence: 'idle' }, { id: 7, presence: 'online' }]);
  assert.deepEqual([map.get(5), map.get(6), map.get(7)], ['online', 'idle', 'online'], 'in a room: connected');
  assert.equal(map.set(6, 'idle'), false, 'no change, no news');
  map.set('5', 'idle');
  map.set(7, 'offline');
  map.set(7, 'away');
  map.set('x', 'online');
  assert.equal(map.get(7), 'offline');
  assert.deepEqual(heard, [[5, 'online'], [6, 'idle'], [7, 'online'], [5, 'idle'], [7, 'offline']]);
  stop();
  map.set(5, 'online');
  assert.equal(heard.length, 5, 'a stopped subscriber hears nothing');
});

test('dots and words follow the page map, labelled from the catalogue', () => {
  const dot = presenceDot(41, 'member__presence');
  const words = presenceText(41, { class: 'profile-card__presence' });
  const quiet = presenceDot(41, 'profile-card__dot', { decorative: true });
  // The fake document finds the page's presence elements for the repaint.
  globalThis.document.querySelectorAll = (selector) =>
    [dot, words, quiet].filter((el) => selector === '[data-presence-of]' || selector === `[data-presence-of="${el.dataset.presenceOf}"]`);
  assert.ok(dot.classList.contains('presence-dot--offline'));
  assert.equal(dot.getAttribute('aria-label'), 'Не в сети');
  assert.equal(dot.getAttribute('role'), 'img');
  assert.equal(words.textContent, 'Не в сети');

  presences.set(41, 'online');
  assert.ok(dot.classList.contains('presence-dot--online') && dot.classList.contains('member__presence'));
  assert.equal(dot.getAttribute('title'), 'В сети');
  assert.equal(words.textContent, 'В сети');

  presences.set(41, 'idle');
  assert.ok(dot.classList.contains('presence-dot--idle'));
  assert.ok(!dot.classList.contains('presence-dot--online'), 'one status at a time');
  assert.equal(dot.getAttribute('aria-label'), 'Отошёл');
  assert.equal(words.textContent, 'Отошёл');
  assert.equal(quiet.getAttribute('title'), 'Отошёл');
  assert.equal(quiet.getAttribute('aria-label'), null, 'beside the words, the dot is not read out');
  assert.equal(quiet.getAttribute('aria-hidden'), 'true');
});
