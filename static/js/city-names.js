// city-names.js — owns the names of canonical cities in the page's language. The server
// names a person's city in Russian only, which keeps every frame small; a page in English
// reads a city's English name from GET /api/cities/{id} (public, cached by the browser for
// a day) once per city and remembers it for the page's life. No storm of requests: a city
// already asked for is not asked again while its answer is on its way, at most
// MAX_IN_FLIGHT requests run at once (the others wait their turn), and the memory holds at
// most MAX_CITIES names, forgetting the least recently used first. Until its name comes —
// or when it cannot be read — a city shows its Russian name.
//
// Views show a city's name through cityNameEl(): a <span data-city-name="id"> that is
// redrawn in place when names arrive (once per batch of arrivals) and when the language
// changes, so nothing else has to re-render for it.
import { h } from './dom.js';
import { lang, onLangChange } from './i18n.js';
import { getCity } from './api.js';

/** How many cities' names a page remembers. */
export const MAX_CITIES = 500;
/** How many GET /api/cities/{id} may be on their way at once. */
export const MAX_IN_FLIGHT = 4;

export class CityNames {
  /**
   * @param {object} o
   * @param {(id:number) => Promise<{name_en?:string}>} o.fetchCity  reads one city
   * @param {number} [o.limit]     names remembered at most
   * @param {number} [o.inFlight]  requests running at most
   * @param {(fn:() => void) => void} [o.schedule]  runs the notice of a batch of arrivals later
   */
  constructor({ fetchCity, limit = MAX_CITIES, inFlight = MAX_IN_FLIGHT, schedule = (fn) => queueMicrotask(fn) }) {
    Object.assign(this, { fetchCity, limit, inFlight, schedule });
    /** id -> English name (null: none to be had), the least recently used first. */
    this.known = new Map();
    /** Ids waiting for a free request slot, in the order asked. */
    this.waiting = [];
    /** Ids waiting or on their way: each is asked for once. */
    this.asked = new Set();
    /** Requests on their way. */
    this.running = 0;
    /** Ids whose answers came since the last notice. */
    this.arrived = new Set();
    this.listeners = new Set();
  }

  /**
   * City `id`'s name in `language`: its English name when known, else `russian` (the name the
   * server sent) — and, for a name not known yet, it is asked for (see onNames).
   */
  name(id, language, russian) {
    const key = Number(id);
    if (language === 'ru' || !Number.isSafeInteger(key) || key <= 0) return russian;
    if (this.known.has(key)) {
      const name = this.known.get(key);
      // Used again: the last to be forgotten.
      this.known.delete(key);
      this.known.set(key, name);
      return name ?? russian;
    }
    this.ask(key);
    return russian;
  }

  /** Calls `fn(ids)` with the ids of the cities whose names came, once per batch; returns a function that stops it. */
  onNames(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  ask(id) {
    if (this.asked.has(id)) return;
    this.asked.add(id);
    this.waiting.push(id);
    this.next();
  }

  /** Starts waiting requests while there is a free slot. */
  next() {
    while (this.running < this.inFlight && this.waiting.length > 0) {
      const id = this.waiting.shift();
      this.running += 1;
      Promise.resolve()
        .then(() => this.fetchCity(id))
        .then((city) => (typeof city?.name_en === 'string' && city.name_en.trim() ? city.name_en.trim() : null), () => null)
        .then((name) => {
          this.running -= 1;
          this.asked.delete(id);
          this.remember(id, name);
          this.announce(id);
          this.next();
        });
    }
  }

  remember(id, name) {
    this.known.delete(id);
    this.known.set(id, name);
    while (this.known.size > this.limit) this.known.delete(this.known.keys().next().value);
  }

  announce(id) {
    const first = this.arrived.size === 0;
    this.arrived.add(id);
    if (!first) return;
    this.schedule(() => {
      const ids = this.arrived;
      this.arrived = new Set();
      for (const fn of this.listeners) fn(ids);
    });
  }
}

/** The page's one memory of city names. */
export const cityNames = new CityNames({ fetchCity: getCity });

/** City `id`'s name in the page's language; `russian` is the name the server sent. */
export function cityName(id, russian) {
  return cityNames.name(id, lang, russian);
}

/** City `id`'s name in the page's language, in a span that follows names as they come. */
export function cityNameEl(id, russian) {
  return h('span', { dataset: { cityName: id, cityRussian: russian }, text: cityName(id, russian) });
}

/** Redraws the city names on the page (`ids`: only those cities). */
function redraw(ids = null) {
  for (const el of document.querySelectorAll('[data-city-name]')) {
    const id = Number(el.dataset.cityName);
    if (ids === null || ids.has(id)) el.textContent = cityName(id, el.dataset.cityRussian ?? '');
  }
}

cityNames.onNames(redraw);
onLangChange(() => redraw());
