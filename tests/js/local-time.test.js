// Someone else's time (static/js/local-time.js): their wall clock in their zone, daylight saving
// included; quiet hours from 23:00 to 06:59 where they are; distances as each language writes
// them, approximate and unbreakable. Fixed dates, so the checks hold whatever the machine's zone.
// Run with `node --test tests/js` (tests/api/js_units.rs does, as part of `cargo test`).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { localTime, localHour, isQuiet, formatDistance, knownZone, untilNextMinute } from '../../static/js/local-time.js';

const at = (iso) => new Date(iso);

test('the time is read on the clock of the zone, in each language', () => {
  assert.equal(localTime('Europe/Moscow', at('2026-12-07T11:05:00Z'), 'ru'), '14:05');
  assert.equal(localTime('Asia/Vladivostok', at('2026-12-07T11:05:00Z'), 'ru'), '21:05');
  assert.equal(localTime('Europe/Moscow', at('2026-12-07T11:05:00Z'), 'en').replace('\u202f', ' '), '2:05 PM');
});

test('the clock jumps an hour where daylight saving starts', () => {
  // Berlin moves from 02:00 CET to 03:00 CEST at 01:00 UTC on 29 March 2026.
  assert.equal(localTime('Europe/Berlin', at('2026-03-29T00:30:00Z'), 'ru'), '01:30');
  assert.equal(localTime('Europe/Berlin', at('2026-03-29T01:30:00Z'), 'ru'), '03:30');
  // Moscow keeps its time all year.
  assert.equal(localTime('Europe/Moscow', at('2026-03-29T01:30:00Z'), 'ru'), '04:30');
});

test('quiet hours are 23:00 to 06:59, both bounds where they belong', () => {
  // Moscow is UTC+3 all year.
  const moscow = (hhmm) => at(`2026-12-07T${String((Number(hhmm.slice(0, 2)) + 21) % 24).padStart(2, '0')}:${hhmm.slice(3)}:00Z`);
  assert.equal(localHour('Europe/Moscow', moscow('22:59')), 22);
  assert.equal(isQuiet('Europe/Moscow', moscow('22:59')), false);
  assert.equal(isQuiet('Europe/Moscow', moscow('23:00')), true);
  assert.equal(isQuiet('Europe/Moscow', moscow('00:00')), true);
  assert.equal(isQuiet('Europe/Moscow', moscow('06:59')), true);
  assert.equal(isQuiet('Europe/Moscow', moscow('07:00')), false);
  assert.equal(isQuiet('Europe/Moscow', moscow('14:05')), false);
});

test('quiet hours follow daylight saving too', () => {
  // 21:30 UTC is 22:30 in Berlin in winter, 23:30 in summer.
  assert.equal(isQuiet('Europe/Berlin', at('2026-01-15T21:30:00Z')), false);
  assert.equal(isQuiet('Europe/Berlin', at('2026-07-15T21:30:00Z')), true);
});

test('an unknown or missing zone has no time and is never quiet', () => {
  for (const zone of [null, undefined, '', 'Mars/Olympus_Mons', 42]) {
    assert.equal(knownZone(zone), false, String(zone));
    assert.equal(localTime(zone, at('2026-12-07T23:30:00Z'), 'ru'), null);
    assert.equal(isQuiet(zone, at('2026-12-07T23:30:00Z')), false);
  }
});

test('a distance is approximate, grouped as the language groups, and never wraps', () => {
  assert.equal(formatDistance(3300, 'ru'), '≈\u00a03\u00a0300\u00a0км');
  assert.equal(formatDistance(3300, 'en'), '≈\u00a03,300\u00a0km');
  assert.equal(formatDistance(0, 'ru'), '≈\u00a00\u00a0км');
  assert.equal(formatDistance(712.6, 'en'), '≈\u00a0713\u00a0km');
  for (const bad of [null, undefined, -1, NaN, '3300']) assert.equal(formatDistance(bad, 'ru'), null, String(bad));
});

test('a ticking clock waits for the start of the next minute', () => {
  assert.equal(untilNextMinute(Date.parse('2026-12-07T11:05:00Z')), 60_000);
  assert.equal(untilNextMinute(Date.parse('2026-12-07T11:05:59.250Z')), 750);
});
