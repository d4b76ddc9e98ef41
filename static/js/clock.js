// clock.js — owns the page's one minute tick: whatever shows someone's local time (the member
// list, the profile card, the quiet-hours notice) subscribes, and a single timer, set to the
// start of each minute, redraws them all together, however many people are shown.
import { untilNextMinute } from './local-time.js';

const subscribers = new Set();
let timer = null;

function schedule() {
  timer = setTimeout(() => {
    const now = new Date();
    for (const fn of [...subscribers]) fn(now);
    if (subscribers.size) schedule();
    else timer = null;
  }, untilNextMinute(Date.now()));
  // Under Node (the unit tests) a clock alone must not keep the process running.
  timer.unref?.();
}

/** Calls `fn(now)` at the start of every minute until the returned function is called. */
export function onEachMinute(fn) {
  subscribers.add(fn);
  if (timer === null) schedule();
  return () => {
    subscribers.delete(fn);
    if (!subscribers.size && timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
  };
}
