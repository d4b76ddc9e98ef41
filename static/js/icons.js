// icons.js — owns the UI's icons: <svg><use> references into the vendored
// Lucide sprite (static/icons/sprite.svg, see static/icons/README.md). Icons
// are decorative: hidden from assistive technology and never focusable; the
// button or text they sit in carries the words.

const SPRITE = '/static/icons/sprite.svg';
const SVG_NS = 'http://www.w3.org/2000/svg';

/** An <svg class="icon"> showing the sprite's symbol `name`; `extraClass` adds a class. */
export function icon(name, extraClass = '') {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('class', extraClass ? `icon ${extraClass}` : 'icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const use = document.createElementNS(SVG_NS, 'use');
  use.setAttribute('href', `${SPRITE}#${name}`);
  svg.append(use);
  return svg;
}
