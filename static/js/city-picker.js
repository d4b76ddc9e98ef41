// city-picker.js — owns the city field's autocomplete (registration and settings): an
// editable combobox (WAI-ARIA 1.2) over GET /api/cities. Typing asks the server after a
// short pause and lists up to eight cities, each with its region and country; the newest
// answer wins, an older one arriving late is dropped. ↓/↑ move through the list (focus
// stays in the field; aria-activedescendant points at the option), Enter picks and never
// submits the form while the list is open, Escape closes it (and only it: a dialog around
// stays open), Tab picks the option moved to and goes on. Picking puts the city's name in
// the field and its id in `city_id`; editing the text afterwards forgets the id — a
// city typed by hand is still allowed, and the server links it when it is unambiguous.
// Without JavaScript the field is a plain text field.
import { h } from './dom.js';
import { t, lang, onLangChange } from './i18n.js';
import { countryName } from './city-label.js';

/** At most this many cities are offered. */
export const MAX_OPTIONS = 8;
/** The pause after the last keystroke before the server is asked (ms). */
export const DEBOUNCE_MS = 150;

/**
 * What a key does to the list: the state after it and what to do.
 * `state`: {open, count (options listed), active (index moved to, -1 for none)}.
 * Returns {open, active, pick (an index to pick, or null), handled (the key is the list's:
 * its default — submitting the form, closing a dialog — must not happen)}.
 * Tab picks the option moved to but is never handled: the focus goes on as usual.
 */
export function pickerKey({ open, count, active }, key) {
  const none = { open, active, pick: null, handled: false };
  switch (key) {
    case 'ArrowDown':
    case 'ArrowUp': {
      if (!count) return none;
      const down = key === 'ArrowDown';
      if (!open) return { open: true, active: down ? 0 : count - 1, pick: null, handled: true };
      const next = down ? (active + 1) % count : (active <= 0 ? count - 1 : active - 1);
      return { open: true, active: next, pick: null, handled: true };
    }
    case 'Enter':
      if (!open) return none;
      return { open: false, active: -1, pick: active >= 0 ? active : null, handled: true };
    case 'Escape':
      if (!open) return none;
      return { open: false, active: -1, pick: null, handled: true };
    case 'Tab':
      if (!open) return none;
      return { open: false, active: -1, pick: active >= 0 ? active : null, handled: false };
    default:
      return none;
  }
}

/** A city's name as the list and the field show it in `language`: Russian, else English. */
export function cityName(city, language) {
  return language === 'ru' ? city.name : (city.name_en || city.name);
}

/** A region given only as its GeoNames key («RU.66»), which would mean nothing to a person. */
const REGION_KEY = /^[A-Z]{2}\.\w+$/;

/** The option's second line: «Ленинградская область, Россия» (what is known of the two). */
export function cityDetail(city, language) {
  const region = String(city.region ?? '').trim();
  return [REGION_KEY.test(region) ? '' : region, countryName(city.country, language)].filter(Boolean).join(', ');
}

/**
 * Numbers the requests so that only the newest one's answer is used: `next()` before
 * asking, `isCurrent(n)` when the answer comes; `cancel()` makes every earlier one stale.
 */
export class RequestGate {
  constructor() {
    this.newest = 0;
  }

  next() {
    this.newest += 1;
    return this.newest;
  }

  isCurrent(n) {
    return n === this.newest;
  }

  cancel() {
    this.newest += 1;
  }
}

/** GET /api/cities?q&limit (no sign-in needed): the cities whose names begin with `query`. */
export async function searchCities(query, signal) {
  const params = new URLSearchParams({ q: query, limit: String(MAX_OPTIONS) });
  const response = await fetch(`/api/cities?${params}`, { credentials: 'same-origin', signal, headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET /api/cities answered ${response.status}`);
  const cities = await response.json();
  return Array.isArray(cities) ? cities : [];
}

let pickers = 0;

export class CityPicker {
  /**
   * @param {object} o
   * @param {HTMLInputElement} o.input  the visible city field (its parent `.field` holds the list)
   * @param {HTMLInputElement} [o.idInput]  a hidden `city_id` field to keep in step, if the form posts
   * @param {(query: string, signal: AbortSignal) => Promise<object[]>} [o.search]
   * @param {() => void} [o.onChange]  the city changed by a pick (typing fires `input` itself)
   * @param {(fn: () => void, ms: number) => any} [o.setTimer]
   * @param {(id: any) => void} [o.clearTimer]
   */
  constructor({
    input, idInput = null, search = searchCities, onChange = () => {},
    // Wrapped: the browser's timer functions refuse to be called as methods of another object.
    setTimer = (fn, ms) => setTimeout(fn, ms), clearTimer = (id) => clearTimeout(id),
  }) {
    Object.assign(this, { input, idInput, search, onChange, setTimer, clearTimer });
    pickers += 1;
    this.listId = `${input.id || 'city'}-options-${pickers}`;
    /** The cities listed (while open), and the one moved to (-1: none). */
    this.options = [];
    this.open = false;
    this.active = -1;
    /** The city picked: {id, name} while the field still says its name; null for typed text. */
    this.picked = null;
    this.gate = new RequestGate();
    this.timer = null;
    this.abort = null;

    this.listbox = h('ul', { class: 'city-picker__list', id: this.listId, role: 'listbox', hidden: true });
    /** Says how many cities were found, for those who do not see the list appear. */
    this.status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite' });
    input.parentElement?.classList.add('city-picker');
    input.after(this.listbox, this.status);
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', this.listId);
    // Browsers' own remembered values would cover the list.
    input.setAttribute('autocomplete', 'off');

    const id = Number(idInput?.value);
    if (idInput?.value && Number.isSafeInteger(id)) this.picked = { id, name: input.value };

    input.addEventListener('input', () => this.typed());
    input.addEventListener('keydown', (event) => this.key(event));
    input.addEventListener('blur', () => this.close());
    // A click on an option must not take the focus from the field first.
    this.listbox.addEventListener('mousedown', (event) => event.preventDefault());
    this.listbox.addEventListener('click', (event) => {
      const option = event.target.closest?.('[role="option"]');
      if (option) this.pick(Number(option.dataset.index));
    });
    onLangChange(() => {
      if (this.open) this.render();
    });
  }

  /** The id of the city picked, or null when the field holds typed text. */
  cityId() {
    return this.picked && this.input.value.trim() === this.picked.name.trim() ? this.picked.id : null;
  }

  /** Shows a saved city: `name`, and its `id` when it is a known city (null for free text). */
  setCity(name, id) {
    this.cancel();
    this.input.value = name ?? '';
    this.picked = Number.isSafeInteger(id) ? { id, name: this.input.value } : null;
    this.syncId();
  }

  /** The text changed: a pick no longer holds unless the name is back; ask again after a pause. */
  typed() {
    this.syncId();
    this.cancel();
    const query = this.input.value.trim();
    if (!query) {
      this.close();
      return;
    }
    this.timer = this.setTimer(() => this.ask(query), DEBOUNCE_MS);
  }

  async ask(query) {
    this.timer = null;
    const n = this.gate.next();
    this.abort?.abort();
    this.abort = typeof AbortController === 'function' ? new AbortController() : null;
    let cities;
    try {
      cities = await this.search(query, this.abort?.signal);
    } catch {
      // Offline or refused: the field stays a plain text field.
      if (this.gate.isCurrent(n)) this.close();
      return;
    }
    if (!this.gate.isCurrent(n)) return;
    this.show(cities.slice(0, MAX_OPTIONS));
  }

  /** Lists `cities` (if the field still has the focus); none: closes the list. */
  show(cities) {
    if (document.activeElement !== this.input) return;
    this.options = cities;
    this.active = -1;
    this.status.textContent = cities.length ? t('picker.found', { count: cities.length }) : t('picker.none');
    if (!cities.length) {
      this.close();
      return;
    }
    this.open = true;
    this.render();
  }

  render() {
    this.listbox.setAttribute('aria-label', t('picker.label'));
    this.listbox.replaceChildren(...this.options.map((city, index) => {
      const detail = cityDetail(city, lang);
      return h('li', {
        id: `${this.listId}-${index}`,
        class: `city-picker__option${index === this.active ? ' is-active' : ''}`,
        role: 'option',
        'aria-selected': index === this.active ? 'true' : 'false',
        dataset: { index },
      },
      h('span', { class: 'city-picker__name', text: cityName(city, lang) }),
      detail ? h('span', { class: 'city-picker__detail', text: detail }) : null);
    }));
    this.listbox.hidden = !this.open;
    // Right under the field, over its hint (the CSS puts it under the whole .field).
    if (this.open && this.listbox.style) this.listbox.style.top = `${this.input.offsetTop + this.input.offsetHeight + 4}px`;
    this.input.setAttribute('aria-expanded', this.open ? 'true' : 'false');
    if (this.open && this.active >= 0) {
      const id = `${this.listId}-${this.active}`;
      this.input.setAttribute('aria-activedescendant', id);
      this.listbox.children[this.active]?.scrollIntoView?.({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  }

  key(event) {
    if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === 'Enter' && event.shiftKey) return;
    const next = pickerKey({ open: this.open, count: this.options.length, active: this.active }, event.key);
    if (next.handled) {
      event.preventDefault();
      // Escape closes the list only, not the settings dialog around it.
      event.stopPropagation();
    }
    if (next.pick !== null) {
      this.pick(next.pick);
      return;
    }
    if (next.open !== this.open || next.active !== this.active) {
      this.open = next.open;
      this.active = next.active;
      if (!this.open) this.options = [];
      this.render();
    }
  }

  /** Puts city `index` of the list in the field (and its id in `city_id`), and closes the list. */
  pick(index) {
    const city = this.options[index];
    if (!city) return;
    const name = cityName(city, lang);
    this.input.value = name;
    this.picked = { id: Number(city.id), name };
    this.syncId();
    this.close();
    this.status.textContent = t('picker.picked', { city: [name, cityDetail(city, lang)].filter(Boolean).join(', ') });
    this.onChange();
  }

  /** Forgets a pending question and any answer still to come. */
  cancel() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.gate.cancel();
  }

  close() {
    this.cancel();
    this.open = false;
    this.active = -1;
    this.options = [];
    this.render();
  }

  syncId() {
    if (!this.idInput) return;
    const id = this.cityId();
    this.idInput.value = id === null ? '' : String(id);
  }
}
