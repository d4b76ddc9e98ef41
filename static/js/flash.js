// flash.js — owns drawing the eye to one element for a moment (the message a jump
// arrived at): a short highlight by CSS class. app.css animates it, or, for people who
// asked for reduced motion, shows it still and lets it go without a fade.

/** How long the highlight stays (matches the animation in app.css). */
const FLASH_MS = 2000;

/** Highlights `element` for a moment; flashing it again starts over. */
export function flash(element) {
  element.classList.remove('is-flashing');
  void element.offsetWidth; // restart the animation of an element flashed a moment ago
  element.classList.add('is-flashing');
  clearTimeout(element.flashTimer);
  element.flashTimer = setTimeout(() => element.classList.remove('is-flashing'), FLASH_MS);
}
