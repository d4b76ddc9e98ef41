// reactors.js — owns the tooltip that says who reacted: pointing at a reaction chip (after
// a short pause) or focusing it shows «Реакция 👍: alice, bob и ещё 3» beside it, with what
// a click on the chip does under it. The names come from GET /api/messages/{id}/reactions
// (api.js) and are kept per message and emoji until a frame changes them (changed(), called
// by message-frames.js), or until the chip counts a different number than the kept answer
// (a gap in the frames). The tooltip is one role="tooltip" element the shown chip points at
// with aria-describedby; leaving the chip (unless for the tooltip itself), blurring it,
// scrolling, or Escape hide it. Clicks on the chips stay message-actions.js's.
import { h } from './dom.js';
import { t, formatList, onLangChange } from './i18n.js';
import { listReactors } from './api.js';

/** The most names the tooltip spells out; the rest are «и ещё N». */
const NAMES_SHOWN = 10;
/** How long the pointer rests on a chip before the tooltip asks who reacted. */
const HOVER_DELAY_MS = 250;
/** How long the tooltip waits before hiding once the pointer left, so it can be reached. */
const HIDE_DELAY_MS = 120;
/** Answers kept at most (the oldest go first). */
const KEPT = 200;
const CHIP = '.reaction[data-emoji]';

/** The tooltip's first line for an answer {emoji, count, users}; null when nobody reacted. */
export function whoReacted({ emoji, count, users }) {
  const names = (Array.isArray(users) ? users : []).slice(0, NAMES_SHOWN).map((u) => String(u.username));
  if (!count || !names.length) return null;
  if (count > names.length) return t('reactions.who-more', { emoji, names: names.join(', '), count: count - names.length });
  return t('reactions.who', { emoji, names: formatList(names) });
}

export class ReactorTooltip {
  /**
   * @param {object} o
   * @param {HTMLElement} o.list      the list of stored messages (its chips)
   * @param {HTMLElement} o.scroller  the message pane, whose scrolling hides the tooltip
   */
  constructor({ list, scroller }) {
    this.list = list;
    /** `${messageId} ${emoji}` -> Promise of the server's answer. */
    this.kept = new Map();
    this.tip = h('div', { class: 'reactors-tip', id: 'reactors-tip', role: 'tooltip', hidden: true });
    // Inside the page's main landmark, like the chips it speaks of (fixed, so placed anywhere).
    (scroller.closest('main') ?? document.body).append(this.tip);
    /** What the tooltip is for: {id, emoji, chip}, or null. */
    this.current = null;
    /** Bumped whenever what is shown changes: a late answer for something else is dropped. */
    this.turn = 0;
    this.showTimer = 0;
    this.hideTimer = 0;

    list.addEventListener('mouseover', (event) => {
      const chip = event.target.closest?.(CHIP);
      if (chip && !chip.contains(event.relatedTarget)) this.soon(() => this.show(chip), HOVER_DELAY_MS);
    });
    list.addEventListener('mouseout', (event) => {
      const chip = event.target.closest?.(CHIP);
      if (chip && !chip.contains(event.relatedTarget) && !this.tip.contains(event.relatedTarget)) this.leave(chip);
    });
    list.addEventListener('focusin', (event) => {
      const chip = event.target.closest?.(CHIP);
      if (chip) this.show(chip);
    });
    list.addEventListener('focusout', (event) => {
      if (event.target.closest?.(CHIP) && event.target === this.current?.chip) this.hide();
    });
    this.tip.addEventListener('mouseenter', () => clearTimeout(this.hideTimer));
    this.tip.addEventListener('mouseleave', (event) => {
      if (this.current && !this.current.chip.contains(event.relatedTarget)) this.leave(this.current.chip);
    });
    // Escape dismisses the tooltip first, before whatever else it would do.
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.current) {
        this.hide();
        event.stopPropagation();
      }
    }, true);
    scroller.addEventListener('scroll', () => this.hide(), { passive: true });
    onLangChange(() => this.current && this.show(this.current.chip));
  }

  /** Runs `fn` after `ms`, instead of anything pending. */
  soon(fn, ms) {
    clearTimeout(this.showTimer);
    clearTimeout(this.hideTimer);
    this.showTimer = setTimeout(fn, ms);
  }

  /** The pointer left `chip` or its tooltip: no tooltip for it, unless the pointer comes back at once. */
  leave(chip) {
    clearTimeout(this.showTimer);
    if (this.current?.chip !== chip) return;
    clearTimeout(this.hideTimer);
    this.hideTimer = setTimeout(() => this.hide(), HIDE_DELAY_MS);
  }

  /** Shows who reacted with `chip`'s emoji to its message, beside it. */
  async show(chip) {
    clearTimeout(this.showTimer);
    clearTimeout(this.hideTimer);
    const id = Number(chip.closest('li.msg[data-id]')?.dataset.id);
    const { emoji } = chip.dataset;
    if (!chip.isConnected || !Number.isSafeInteger(id)) return;
    const turn = ++this.turn;
    if (this.current && this.current.chip !== chip) this.current.chip.removeAttribute('aria-describedby');
    this.current = { id, emoji, chip };
    const shown = Number(chip.querySelector('.reaction__count')?.textContent);
    let line;
    try {
      line = whoReacted(await this.answer(id, emoji, shown));
    } catch {
      this.kept.delete(key(id, emoji));
      line = t('reactions.who-failed', { emoji });
    }
    if (turn !== this.turn) return;
    if (line === null || !chip.isConnected) {
      this.hide();
      return;
    }
    const mine = chip.getAttribute('aria-pressed') === 'true';
    this.tip.replaceChildren(
      h('span', { class: 'reactors-tip__who', text: line }),
      h('span', { class: 'reactors-tip__hint', text: mine ? t('reactions.remove') : t('reactions.add-this') }),
    );
    chip.setAttribute('aria-describedby', this.tip.id);
    this.tip.hidden = false;
    place(this.tip, chip);
  }

  /** The server's answer for message `id` and `emoji`: the kept one, unless the chip counts otherwise. */
  answer(id, emoji, shown) {
    const k = key(id, emoji);
    const kept = this.kept.get(k);
    if (kept) {
      return kept.then((answer) => (Number.isFinite(shown) && answer.count !== shown ? this.fetch(k, id, emoji) : answer));
    }
    return this.fetch(k, id, emoji);
  }

  fetch(k, id, emoji) {
    const asked = listReactors(id, emoji);
    this.kept.delete(k);
    this.kept.set(k, asked);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value);
    return asked;
  }

  hide() {
    clearTimeout(this.showTimer);
    clearTimeout(this.hideTimer);
    this.turn += 1;
    this.current?.chip.removeAttribute('aria-describedby');
    this.current = null;
    this.tip.hidden = true;
    this.tip.replaceChildren();
  }

  /**
   * Who reacted to message `id` changed (with `emoji`; without it, the message itself changed
   * or went): the kept answers go, and a tooltip showing one is asked again, on the chip now
   * in the page (the message was drawn anew), or hidden when there is none.
   */
  changed(id, emoji) {
    id = Number(id);
    if (emoji === undefined) {
      for (const k of [...this.kept.keys()]) if (k.startsWith(`${id} `)) this.kept.delete(k);
    } else {
      this.kept.delete(key(id, emoji));
    }
    const current = this.current;
    if (!current || current.id !== id || (emoji !== undefined && current.emoji !== emoji)) return;
    const chip = current.chip.isConnected
      ? current.chip
      : this.list.querySelector(`li.msg[data-id="${id}"] ${CHIP}[data-emoji="${CSS.escape(current.emoji)}"]`);
    if (chip) this.show(chip);
    else this.hide();
  }
}

function key(id, emoji) {
  return `${id} ${emoji}`;
}

/** Puts the tooltip above `chip` (below when there is no room), inside the window. */
function place(tip, chip) {
  const gap = 6;
  const margin = 8;
  const at = chip.getBoundingClientRect();
  const width = tip.offsetWidth;
  const height = tip.offsetHeight;
  const left = Math.min(Math.max(margin, at.left + at.width / 2 - width / 2), window.innerWidth - width - margin);
  const top = at.top - gap - height >= margin ? at.top - gap - height : at.bottom + gap;
  tip.style.setProperty('--tip-left', `${Math.round(left)}px`);
  tip.style.setProperty('--tip-top', `${Math.round(top)}px`);
}
