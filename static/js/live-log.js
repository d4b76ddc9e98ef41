// live-log.js — owns what the message pane says to screen readers. The pane is a
// role="log" region with aria-live="polite": each message that arrives live is
// read out once, after whatever the reader is saying. History — a room's newest
// page, an older page scrolled into view, a full re-render (a language switch
// redoes every message) — goes in while the region is aria-live="off", so
// opening a room or scrolling up does not read out fifty old messages.
//
// Why aria-live="off" and not aria-busy="true": with "off" the browser itself
// reports the inserted history as no live change at all, the same way to every
// screen reader; aria-busy only flags the change as busy and leaves it to each
// screen reader, and ARIA lets one read the held-back changes once busy clears.

/**
 * How long the region stays silent after history went in. Chromium hands
 * accessibility updates to the screen reader in batches up to a few hundred ms
 * apart; switching back to "polite" before the batch with the history has gone
 * out would announce it after all. A live message landing in this second is
 * shown but not read out.
 */
const QUIET_MS = 1000;

export class LiveLog {
  /** @param {HTMLElement} region  the role="log" element */
  constructor(region) {
    this.region = region;
    /** Bumped by each quiet render: only the newest one's timer makes the region speak again. */
    this.token = 0;
  }

  /** Runs `render` (which puts history in) with the region silent; returns what it returns. */
  quietly(render) {
    const token = ++this.token;
    this.region.setAttribute('aria-live', 'off');
    try {
      return render();
    } finally {
      setTimeout(() => {
        if (token === this.token) this.region.setAttribute('aria-live', 'polite');
      }, QUIET_MS);
    }
  }
}
