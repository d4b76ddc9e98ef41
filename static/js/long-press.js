// long-press.js — owns the touch gesture that opens a message's actions on a phone:
// a finger held still on an element for about half a second. A finger that moves
// (scrolling) or lifts early is an ordinary touch; after a long press the click and
// the browser's own context menu that would follow are swallowed.

/** How long a finger must stay down. */
const HOLD_MS = 500;
/** Moving further than this (px) is a scroll, not a press. */
const SLOP_PX = 10;

/**
 * Calls `onPress(target, event)` when a touch is held on an element under `root` that
 * `find(eventTarget)` accepts (it returns that element, or null to ignore the touch).
 */
export function onLongPress(root, find, onPress) {
  let timer = null;
  let start = null;
  /** A long press just fired: the click and context menu that come with the lift are not for us. */
  let swallow = false;

  const cancel = () => {
    clearTimeout(timer);
    timer = null;
  };
  let pressed = null;
  const fire = () => {
    cancel();
    swallow = true;
    onPress(pressed.target, pressed.event);
  };
  root.addEventListener('pointerdown', (event) => {
    cancel();
    if (event.pointerType !== 'touch') return;
    const target = find(event.target);
    if (!target) return;
    start = { x: event.clientX, y: event.clientY };
    pressed = { target, event, at: Date.now() };
    timer = setTimeout(fire, HOLD_MS);
  });
  root.addEventListener('pointermove', (event) => {
    if (timer && start && Math.hypot(event.clientX - start.x, event.clientY - start.y) > SLOP_PX) cancel();
  });
  for (const type of ['pointerup', 'pointercancel']) root.addEventListener(type, cancel);
  // A phone's browser says "long press" with its context menu, maybe before our timer: same thing.
  // (Some cancel the pointer first, so a touch that went down just now on the same element counts.)
  root.addEventListener('contextmenu', (event) => {
    const recent = pressed && Date.now() - pressed.at < 1000 && find(event.target) === pressed.target;
    if (!swallow && (timer || recent)) fire();
    if (swallow) event.preventDefault();
  });
  // Any new press starts afresh: only what follows the long press's own lift is swallowed.
  document.addEventListener('pointerdown', () => { swallow = false; }, true);
  // Lifting the finger after a long press makes no mouse events (which would focus what is under it).
  root.addEventListener('touchend', (event) => {
    if (!swallow) return;
    if (event.cancelable) event.preventDefault();
    setTimeout(() => { swallow = false; }, 0);
  });
  // On the document: the menu the press opened is under the finger by then, and takes that click.
  document.addEventListener('click', (event) => {
    if (!swallow) return;
    swallow = false;
    event.preventDefault();
    event.stopPropagation();
  }, true);
}
