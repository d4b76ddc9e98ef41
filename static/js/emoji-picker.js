// emoji-picker.js — owns the emoji picker: a popover next to the control that opened it, with
// a search box, tabs that jump to each group, a grid of emoji buttons (each named in the
// page's language), a skin tone choice and the recently used emoji. Keyboard: ↓ from the
// search goes into the grid, arrows move in it, Home/End go to its ends, Enter or Space
// picks, Escape closes and gives focus back to the opener; Enter in the search picks the
// first result. The data loads on the first opening (emoji-data.js). One picker at a time.
//
//   openEmojiPicker(anchor, { onPick(unicode, { hexcode, label }) })  -> opens it by `anchor`
//   closeEmojiPicker()                                                 -> closes it
//
// A pick closes the picker (focus back on the opener) and then calls onPick, which may move
// focus on (to the composer, say); Shift+click picks and keeps it open.
import { h } from './dom.js';
import { icon } from './icons.js';
import { t, lang, onLangChange } from './i18n.js';
import { GROUPS, SKIN_TONES, EmojiPrefs, loadEmoji, search, variant, withTone } from './emoji-data.js';
import { moveInGrid } from './grid-nav.js';

/** Emoji per row of the grid; the stylesheet's grid has as many columns. */
export const COLUMNS = 8;
/** The emoji the skin tone button shows. */
const TONE_SAMPLE = '1F44B';

/** The open picker, or null. */
let open = null;

/** The name of a group, by its Emojibase number. */
function groupName(id) {
  switch (id) {
    case 0: return t('emoji.group-smileys');
    case 1: return t('emoji.group-people');
    case 3: return t('emoji.group-nature');
    case 4: return t('emoji.group-food');
    case 5: return t('emoji.group-travel');
    case 6: return t('emoji.group-activities');
    case 7: return t('emoji.group-objects');
    case 8: return t('emoji.group-symbols');
    case 9: return t('emoji.group-flags');
    default: return '';
  }
}

/** The name of a skin tone, 0 (the default yellow) to 5. */
function toneName(tone) {
  switch (tone) {
    case 1: return t('emoji.tone-light');
    case 2: return t('emoji.tone-medium-light');
    case 3: return t('emoji.tone-medium');
    case 4: return t('emoji.tone-medium-dark');
    case 5: return t('emoji.tone-dark');
    default: return t('emoji.tone-default');
  }
}

/**
 * Opens the picker by `anchor` (the button that opens it; focus comes back to it). Opening it
 * again by the same anchor closes it, like a toggle.
 * @param {HTMLElement} anchor
 * @param {{onPick: (unicode: string, info: {hexcode: string, label: string}) => void}} options
 */
export function openEmojiPicker(anchor, { onPick }) {
  if (open) {
    const same = open.anchor === anchor;
    closeEmojiPicker();
    if (same) return;
  }
  open = new Picker(anchor, onPick);
}

/** Closes the picker, if open, and gives focus back to the control that opened it. */
export function closeEmojiPicker({ returnFocus = true } = {}) {
  if (!open) return;
  const picker = open;
  open = null;
  picker.destroy(returnFocus);
}

onLangChange(() => open?.load());

class Picker {
  constructor(anchor, onPick) {
    this.anchor = anchor;
    this.onPick = onPick;
    this.prefs = new EmojiPrefs();
    this.tone = this.prefs.tone();
    /** The emoji set in use, once loaded. */
    this.set = null;
    /** Sections shown: [{id, title, items: [{hexcode, unicode, label}], buttons}]. */
    this.sections = [];

    this.search = h('input', {
      class: 'emoji-picker__search input',
      type: 'search',
      autocomplete: 'off',
      spellcheck: 'false',
      onInput: () => this.render(),
      onKeydown: (event) => this.searchKey(event),
    });
    this.toneButton = h('button', {
      class: 'emoji-picker__tone icon-btn',
      type: 'button',
      'aria-expanded': 'false',
      onClick: () => this.toggleTones(),
    });
    this.tones = h('div', { class: 'emoji-picker__tones', role: 'group', hidden: true });
    this.tabs = h('nav', { class: 'emoji-picker__tabs' });
    this.status = h('p', { class: 'emoji-picker__status muted', role: 'status' });
    this.body = h('div', { class: 'emoji-picker__body', onKeydown: (event) => this.gridKey(event) });
    this.preview = h('div', { class: 'emoji-picker__preview', 'aria-hidden': 'true' });
    this.el = h('div', { class: 'emoji-picker', role: 'dialog', onKeydown: (event) => this.key(event) },
      h('div', { class: 'emoji-picker__head' }, this.search, this.toneButton, this.tones),
      this.tabs,
      this.status,
      this.body,
      this.preview,
    );
    this.body.addEventListener('focusin', (event) => this.showPreview(event.target));
    this.body.addEventListener('mouseover', (event) => this.showPreview(event.target));

    // A press outside, or focus moving on outside (Tab past the end), closes it where it is.
    const away = (target) => target && !this.el.contains(target) && !this.anchor.contains(target);
    this.outside = (event) => {
      if (away(event.target)) closeEmojiPicker({ returnFocus: false });
    };
    this.el.addEventListener('focusout', (event) => {
      if (away(event.relatedTarget)) closeEmojiPicker({ returnFocus: false });
    });
    this.place = () => this.position();
    document.addEventListener('pointerdown', this.outside, true);
    window.addEventListener('resize', this.place);

    anchor.setAttribute('aria-expanded', 'true');
    document.body.append(this.el);
    this.position();
    this.texts();
    this.search.focus();
    this.load();
  }

  destroy(returnFocus) {
    document.removeEventListener('pointerdown', this.outside, true);
    window.removeEventListener('resize', this.place);
    this.anchor.setAttribute('aria-expanded', 'false');
    this.el.remove();
    if (returnFocus && this.anchor.isConnected) this.anchor.focus();
  }

  /** Loads the data of the page's language (at once when loaded before) and shows it. */
  async load() {
    const wanted = lang;
    this.texts();
    if (!this.set) this.status.textContent = t('emoji.loading');
    try {
      const set = await loadEmoji(wanted);
      if (open !== this || wanted !== lang) return; // closed, or the language changed meanwhile
      this.set = set;
      this.render();
    } catch {
      if (open === this) this.status.textContent = t('emoji.load-failed');
    }
  }

  /** The picker's own texts, in the page's language. */
  texts() {
    this.el.setAttribute('aria-label', t('emoji.picker'));
    this.search.setAttribute('aria-label', t('emoji.search'));
    this.search.setAttribute('placeholder', t('emoji.search'));
    this.tabs.setAttribute('aria-label', t('emoji.groups'));
    this.tones.setAttribute('aria-label', t('emoji.tones'));
    this.toneButton.setAttribute('aria-label', t('emoji.tone', { tone: toneName(this.tone) }));
    this.toneButton.setAttribute('title', t('emoji.tone', { tone: toneName(this.tone) }));
  }

  /** Draws the sections: search results while there is a query, else recent and every group. */
  render() {
    if (!this.set) return;
    const set = this.set;
    const query = this.search.value;
    this.sample();
    if (query.trim()) {
      const found = search(set, query).map((emoji) => withTone(emoji, this.tone));
      this.sections = [{ id: 'results', title: t('emoji.results'), items: found }];
      this.status.textContent = found.length ? t('emoji.found', { count: found.length }) : t('emoji.none');
    } else {
      const recent = this.prefs.recent().map((hex) => variant(set, hex)).filter(Boolean);
      this.sections = [];
      if (recent.length) this.sections.push({ id: 'recent', title: t('emoji.recent'), items: recent, icon: 'clock' });
      for (const group of GROUPS) {
        const items = set.list.filter((e) => e.group === group.id).map((emoji) => withTone(emoji, this.tone));
        this.sections.push({ id: `group-${group.id}`, title: groupName(group.id), items, icon: group.icon });
      }
      this.status.textContent = '';
    }
    this.tabs.hidden = Boolean(query.trim());
    this.tabs.replaceChildren(...this.sections.filter((s) => s.icon).map((section) => h('button', {
      class: 'emoji-picker__tab icon-btn',
      type: 'button',
      title: section.title,
      'aria-label': section.title,
      onClick: () => this.jumpTo(section),
    }, icon(section.icon))));
    this.body.replaceChildren(...this.sections.map((section, s) => this.sectionEl(section, s)));
    this.body.scrollTop = 0;
    this.current = null;
    this.setCurrent(0, 0);
    if (this.current) this.showPreview(this.current);
    else this.preview.replaceChildren();
  }

  sectionEl(section, s) {
    const titleId = `emoji-picker-${section.id}`;
    section.buttons = section.items.map((item, i) => h('button', {
      class: 'emoji-picker__emoji',
      type: 'button',
      tabindex: '-1',
      'aria-label': item.label,
      dataset: { hex: item.hexcode, section: s, index: i },
      text: item.unicode,
      onClick: (event) => this.pick(item, event.shiftKey),
    }));
    section.el = h('section', { class: 'emoji-picker__section', 'aria-labelledby': titleId },
      h('h3', { class: 'emoji-picker__title', id: titleId, text: section.title }),
      h('div', { class: 'emoji-picker__grid', role: 'group', 'aria-labelledby': titleId }, section.buttons),
    );
    return section.el;
  }

  /** The one grid button reachable with Tab (roving tabindex): section `s`, index `i`. */
  setCurrent(s, i, focus = false) {
    const button = this.sections[s]?.buttons[i];
    if (!button) return;
    this.current?.setAttribute('tabindex', '-1');
    button.setAttribute('tabindex', '0');
    this.current = button;
    if (focus) {
      button.focus();
      button.scrollIntoView?.({ block: 'nearest' });
    }
  }

  jumpTo(section) {
    section.el.scrollIntoView?.({ block: 'start' });
    this.setCurrent(this.sections.indexOf(section), 0, true);
  }

  pick(item, keepOpen) {
    this.prefs.used(item.hexcode);
    if (!keepOpen) closeEmojiPicker();
    this.onPick?.(item.unicode, { hexcode: item.hexcode, label: item.label });
  }

  /** The big emoji and its name under the grid, for the button hovered or focused. */
  showPreview(target) {
    const button = target.closest?.('.emoji-picker__emoji');
    if (!button) return;
    this.preview.replaceChildren(
      h('span', { class: 'emoji-picker__preview-emoji', text: button.textContent }),
      h('span', { class: 'emoji-picker__preview-name', text: button.getAttribute('aria-label') }),
    );
  }

  /** The skin tone button shows a waving hand in the chosen tone. */
  sample() {
    const hand = this.set?.byHex.get(TONE_SAMPLE);
    this.toneButton.textContent = hand ? withTone(hand, this.tone).unicode : '';
  }

  toggleTones(show = this.tones.hidden) {
    this.tones.hidden = !show;
    this.toneButton.setAttribute('aria-expanded', String(show));
    if (!show) return;
    const hand = this.set?.byHex.get(TONE_SAMPLE);
    this.tones.replaceChildren(...SKIN_TONES.map((tone) => h('button', {
      class: 'emoji-picker__tone-option',
      type: 'button',
      'aria-label': toneName(tone),
      title: toneName(tone),
      'aria-pressed': String(tone === this.tone),
      text: hand ? withTone(hand, tone).unicode : '',
      onClick: () => this.chooseTone(tone),
    })));
    this.tones.querySelector('[aria-pressed="true"]')?.focus();
  }

  chooseTone(tone) {
    this.tone = tone;
    this.prefs.setTone(tone);
    this.toggleTones(false);
    this.texts();
    this.render();
    this.toneButton.focus();
  }

  /** Escape anywhere in the picker: closes the tone choice if open, else the picker. */
  key(event) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    event.stopPropagation();
    if (!this.tones.hidden) {
      this.toggleTones(false);
      this.toneButton.focus();
    } else {
      closeEmojiPicker();
    }
  }

  searchKey(event) {
    if (event.key === 'ArrowDown' && this.current) {
      event.preventDefault();
      this.current.focus();
    } else if (event.key === 'Enter') {
      event.preventDefault();
      const first = this.sections[0]?.items[0];
      if (this.search.value.trim() && first) this.pick(first, event.shiftKey);
    }
  }

  gridKey(event) {
    const button = event.target.closest?.('.emoji-picker__emoji');
    if (!button || event.altKey || event.ctrlKey || event.metaKey) return;
    const at = { s: Number(button.dataset.section), i: Number(button.dataset.index) };
    const next = moveInGrid(this.sections.map((s) => s.items.length), at, event.key, COLUMNS);
    if (!next) return;
    event.preventDefault();
    if (next.s < 0) this.search.focus();
    else this.setCurrent(next.s, next.i, true);
  }

  /** Above the opener when there is room (the composer sits at the bottom), else below; on screen. */
  position() {
    const margin = 8;
    const rect = this.anchor.getBoundingClientRect();
    const width = this.el.offsetWidth;
    const height = this.el.offsetHeight;
    const above = rect.top - height - margin;
    const top = above >= margin ? above : Math.min(rect.bottom + margin, window.innerHeight - height - margin);
    const left = Math.min(Math.max(margin, rect.right - width), window.innerWidth - width - margin);
    // Set through the CSSOM, which a strict CSP allows (it forbids style attributes in markup).
    this.el.style.setProperty('--picker-top', `${Math.max(margin, top)}px`);
    this.el.style.setProperty('--picker-left', `${Math.max(margin, left)}px`);
  }
}
