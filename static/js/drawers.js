// drawers.js — owns the phone layout's slide-in panels: the room list (left)
// and the member list (right), opened by header buttons and closed by the
// backdrop, Escape, or growing the window back to desktop width. An open drawer
// is modal: focus moves into it, the rest of the page is inert until it closes,
// and closing puts focus back on the button that opened it. A closed drawer is
// inert too, so Tab never wanders into a panel that is off screen.

/** Whether the page is in the desktop layout (wide, with a pointer that hovers): no drawers, and the composer takes the focus. */
export function isDesktop() {
  return window.matchMedia('(min-width: 768px) and (hover: hover)').matches;
}

export class Drawers {
  /**
   * @param {object} o
   * @param {HTMLElement} o.backdrop
   * @param {{button: HTMLElement, panel: HTMLElement}[]} o.drawers
   */
  constructor({ backdrop, drawers }) {
    this.backdrop = backdrop;
    this.drawers = drawers;
    this.openPanel = null;
    this.opener = null;

    for (const { button, panel } of drawers) {
      button.addEventListener('click', () => {
        if (this.openPanel === panel) this.close();
        else this.open(panel, button);
      });
    }
    backdrop.addEventListener('click', () => this.close());
    document.addEventListener('keydown', (event) => {
      // Escape in the room dialog (opened from the room drawer) closes the dialog, not the drawer.
      if (event.key !== 'Escape' || !this.openPanel || event.defaultPrevented || event.target.closest?.('dialog')) return;
      event.preventDefault();
      this.close();
    });
    // Leaving the phone layout: drawers become normal columns again.
    for (const query of ['(min-width: 768px)', '(min-width: 1024px)']) {
      window.matchMedia(query).addEventListener('change', () => {
        this.close({ restoreFocus: false });
        this.disableClosed();
      });
    }
    this.disableClosed();
  }

  /** Makes each closed panel inert where it is a drawer, i.e. where its button shows; a column stays usable. */
  disableClosed() {
    for (const { button, panel } of this.drawers) {
      panel.inert = panel !== this.openPanel && button.getClientRects().length > 0;
    }
  }

  /** Whether `element` is inside the drawer that is open now. */
  holds(element) {
    return Boolean(this.openPanel && element && this.openPanel.contains(element));
  }

  open(panel, button) {
    this.close({ restoreFocus: false });
    this.openPanel = panel;
    this.opener = button;
    panel.classList.add('is-open');
    button.setAttribute('aria-expanded', 'true');
    this.backdrop.hidden = false;
    document.body.classList.add('has-drawer');
    // Everything beside the drawer (the other columns, the banner) is out of reach while it is open.
    for (const sibling of panel.parentElement.children) sibling.inert = sibling !== panel && sibling !== this.backdrop;
    // Focus the open room's link, else the first control, else the panel itself (a list with no one in it yet).
    const target = panel.querySelector('[aria-current="page"]')
      ?? panel.querySelector('a[href], button:not([disabled]), input, textarea, [tabindex="0"]');
    if (target) {
      target.focus({ preventScroll: true });
    } else {
      panel.tabIndex = -1;
      panel.focus({ preventScroll: true });
    }
  }

  close({ restoreFocus = true } = {}) {
    if (!this.openPanel) return;
    for (const sibling of this.openPanel.parentElement.children) sibling.inert = false;
    this.openPanel.classList.remove('is-open');
    for (const { button } of this.drawers) button.setAttribute('aria-expanded', 'false');
    this.backdrop.hidden = true;
    document.body.classList.remove('has-drawer');
    const opener = this.opener;
    this.openPanel = null;
    this.opener = null;
    this.disableClosed();
    if (restoreFocus) opener?.focus({ preventScroll: true });
  }
}
