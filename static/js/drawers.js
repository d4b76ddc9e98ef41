// drawers.js — owns the phone layout's slide-in panels: the room list (left)
// and the member list (right), opened by header buttons and closed by the
// backdrop, Escape, or growing the window back to desktop width.

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
      if (event.key === 'Escape' && this.openPanel) this.close();
    });
    // Leaving the phone layout: drawers become normal columns again.
    for (const query of ['(min-width: 768px)', '(min-width: 1024px)']) {
      window.matchMedia(query).addEventListener('change', () => this.close({ restoreFocus: false }));
    }
  }

  open(panel, button) {
    this.close({ restoreFocus: false });
    this.openPanel = panel;
    this.opener = button;
    panel.classList.add('is-open');
    button.setAttribute('aria-expanded', 'true');
    this.backdrop.hidden = false;
    document.body.classList.add('has-drawer');
    const focusable = panel.querySelector('a[href], button:not([disabled]), input, textarea, [tabindex="0"]');
    focusable?.focus({ preventScroll: true });
  }

  close({ restoreFocus = true } = {}) {
    if (!this.openPanel) return;
    this.openPanel.classList.remove('is-open');
    for (const { button } of this.drawers) button.setAttribute('aria-expanded', 'false');
    this.backdrop.hidden = true;
    document.body.classList.remove('has-drawer');
    if (restoreFocus) this.opener?.focus({ preventScroll: true });
    this.openPanel = null;
    this.opener = null;
  }
}
