// local-time.js — owns what time it is where someone else is: their wall-clock time in their
// IANA time zone (daylight saving included, through Intl), whether it is their quiet hours
// (23:00–07:00, when a message may wake them), and how far away they are («≈ 3 300 км»).
// Pure functions of their arguments, no DOM and no catalogue, so Node tests them as they are.

/** Quiet hours start at this local hour (inclusive)… */
export const QUIET_FROM_HOUR = 23;
/** …and end at this one (exclusive). */
export const QUIET_UNTIL_HOUR = 7;

/** Intl formatters by language and zone: made once, they are the expensive part. */
const formatters = new Map();

function formatter(id, make) {
  if (!formatters.has(id)) formatters.set(id, make());
  return formatters.get(id);
}

/** Whether `timezone` is an IANA zone this browser knows (a bad one would throw in Intl). */
export function knownZone(timezone) {
  if (typeof timezone !== 'string' || !timezone) return false;
  try {
    formatter(`hour:${timezone}`, () => hourFormat(timezone));
    return true;
  } catch {
    return false;
  }
}

function hourFormat(timezone) {
  return new Intl.DateTimeFormat('en-GB', { hour: '2-digit', hourCycle: 'h23', timeZone: timezone });
}

/**
 * The time of day at `date` in `timezone`, as `lang` writes it: «14:05» / "2:05 PM" (Russian
 * with two-digit hours, as clocks show them). null when the zone is unknown.
 */
export function localTime(timezone, date, lang) {
  if (!knownZone(timezone)) return null;
  const f = formatter(`time:${lang}:${timezone}`, () => new Intl.DateTimeFormat(lang, {
    hour: lang === 'ru' ? '2-digit' : 'numeric', minute: '2-digit', timeZone: timezone,
  }));
  return f.format(date);
}

/** The hour (0–23) at `date` in `timezone`; null when the zone is unknown. */
export function localHour(timezone, date) {
  if (!knownZone(timezone)) return null;
  const part = formatter(`hour:${timezone}`, () => hourFormat(timezone))
    .formatToParts(date).find((p) => p.type === 'hour');
  return part ? Number(part.value) % 24 : null;
}

/** Whether it is 23:00–06:59 at `date` in `timezone` (false when the zone is unknown). */
export function isQuiet(timezone, date) {
  const hour = localHour(timezone, date);
  if (hour === null) return false;
  return hour >= QUIET_FROM_HOUR || hour < QUIET_UNTIL_HOUR;
}

/**
 * A distance in whole kilometres as `lang` writes it, marked approximate, with no-break spaces
 * so it never wraps: «≈ 3 300 км» / "≈ 3,300 km". null for anything but a number ≥ 0.
 */
export function formatDistance(km, lang) {
  if (typeof km !== 'number' || !Number.isFinite(km) || km < 0) return null;
  const f = formatter(`km:${lang}`, () => new Intl.NumberFormat(lang, {
    style: 'unit', unit: 'kilometer', unitDisplay: 'short', maximumFractionDigits: 0,
  }));
  return `≈\u00a0${f.format(Math.round(km)).replace(/ /g, '\u00a0')}`;
}

/** Milliseconds from `now` (ms since the epoch) to the start of the next minute, for a ticking clock. */
export function untilNextMinute(now) {
  return 60_000 - (now % 60_000);
}
