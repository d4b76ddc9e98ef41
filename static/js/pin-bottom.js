// pin-bottom.js — owns keeping a scrolling list at its end while the room
// around it changes: when the composer grows or shrinks, a notice takes room,
// the on-screen keyboard opens or the window is resized, a list that was
// scrolled to the bottom stays there, so its newest entry stays in view. A
// list the reader has scrolled up is left where it is. (New entries are the
// list's own business: messages-bottom.js scrolls for those.)

/** This close to the end counts as "at the bottom" (rounding, a stray pixel). */
const AT_BOTTOM_PX = 24;

/** Keeps `scroller` pinned to its bottom across changes of its own height. */
export function keepPinnedToBottom(scroller) {
  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= AT_BOTTOM_PX;
  // Read when the reader (or the list) scrolls, not after a resize: a shrinking list
  // stops being at the bottom without any scrolling.
  let pinned = atBottom();
  // A narrower list re-wraps its text and grows taller: width counts as much as height.
  const size = () => `${scroller.clientWidth}x${scroller.clientHeight}`;
  let last = size();
  scroller.addEventListener('scroll', () => {
    // A scroll that comes with a change of size is the layout's doing (the browser clamps or
    // even resets scrollTop when the list is resized), not the reader's: the observer below
    // puts the list back where it was.
    if (size() === last) pinned = atBottom();
  }, { passive: true });
  new ResizeObserver(() => {
    if (size() !== last && pinned) scroller.scrollTop = scroller.scrollHeight;
    last = size();
  }).observe(scroller);
}
