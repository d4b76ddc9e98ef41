// profile-settings.js — owns the «Профиль» section of the settings dialog: the
// city (with the city picker, city-picker.js), who sees it («Кто видит мой город»)
// and the about text (with a counter of the characters left), filled from
// GET /api/me each time the dialog opens and saved with PATCH /api/me: a city
// picked from the list (or the saved one, unchanged) goes as `city_id`, a city
// typed by hand as `city`. The server's refusal is shown in the section, in the
// page's language; everyone else hears the change from the server (user_updated).
import * as api from './api.js';
import { CityPicker } from './city-picker.js';
import { charCount } from './composer.js';
import { t, onLangChange } from './i18n.js';

/** At most this many characters about oneself (the server's rule). */
export const ABOUT_MAX = 190;
const CITY_MAX = 64;

export class ProfileSettings {
  /**
   * @param {object} o
   * @param {HTMLFormElement} o.form
   * @param {HTMLInputElement} o.city
   * @param {HTMLSelectElement} o.privacy  who sees the city: city / country / hidden
   * @param {HTMLTextAreaElement} o.about
   * @param {HTMLElement} o.counter  «осталось N символов»
   * @param {HTMLElement} o.status  the saved / failed line
   * @param {HTMLButtonElement} o.save
   * @param {(me: object) => void} o.onSaved  the account as saved
   */
  constructor({ form, city, privacy, about, counter, status, save, onSaved }) {
    Object.assign(this, { form, city, privacy, about, counter, status, save, onSaved });
    this.picker = new CityPicker({ input: city, onChange: () => this.showStatus(null) });
    /** The line shown, as a function so a language switch can say it again; null: none. */
    this.statusText = null;
    this.busy = false;
    this.savedPrivacy = 'city';
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    about.addEventListener('input', () => {
      this.renderCounter();
      this.showStatus(null);
    });
    city.addEventListener('input', () => this.showStatus(null));
    privacy.addEventListener('change', () => this.showStatus(null));
    onLangChange(() => {
      this.renderCounter();
      this.showStatus(this.statusText, this.status.classList.contains('form__error'));
    });
  }

  /** The dialog opened: show what is saved now. */
  async opened() {
    this.showStatus(null);
    try {
      const me = await api.getMe();
      if (this.busy) return;
      this.show(me);
    } catch (err) {
      this.showStatus(() => err.message, true);
    }
    this.renderCounter();
  }

  /** Fills the fields with the account `me` as the server has it. */
  show(me) {
    this.picker.setCity(me.city ?? '', Number.isSafeInteger(me.city_id) ? me.city_id : null);
    /** Who sees the city as saved: a change of it is sent, not the same again. */
    this.savedPrivacy = me.city_privacy ?? 'city';
    this.privacy.value = this.savedPrivacy;
    this.about.value = me.about ?? '';
  }

  renderCounter() {
    const left = ABOUT_MAX - charCount(this.about.value.trim());
    this.counter.textContent = t('settings.about-left', { count: left, max: ABOUT_MAX });
    this.counter.classList.toggle('settings__counter--over', left < 0);
  }

  /** Shows `text()` under the section (null: nothing); `error` styles it as a refusal. */
  showStatus(text, error = false) {
    this.statusText = text;
    this.status.textContent = text ? text() : '';
    this.status.hidden = !text;
    this.status.classList.toggle('form__error', Boolean(text) && error);
    this.status.setAttribute('role', error ? 'alert' : 'status');
  }

  async submit() {
    if (this.busy) return;
    const city = this.city.value.trim();
    const about = this.about.value.trim();
    if (!city) return this.refuse(() => t('settings.city-empty'), this.city);
    if (charCount(city) > CITY_MAX) return this.refuse(() => t('settings.city-too-long', { max: CITY_MAX }), this.city);
    if (charCount(about) > ABOUT_MAX) return this.refuse(() => t('settings.about-too-long', { max: ABOUT_MAX }), this.about);
    this.busy = true;
    this.save.disabled = true;
    try {
      const cityId = this.picker.cityId();
      const where = cityId === null ? { city } : { city_id: cityId };
      // Who sees the city goes only when it changed (a field left out stays as it is).
      const privacy = this.privacy.value === this.savedPrivacy ? {} : { city_privacy: this.privacy.value };
      const me = await api.updateMe({ ...where, ...privacy, about });
      this.show(me);
      this.renderCounter();
      this.showStatus(() => t('settings.profile-saved'));
      this.onSaved(me);
    } catch (err) {
      const message = err.message;
      this.showStatus(() => message, true);
    } finally {
      this.busy = false;
      this.save.disabled = false;
    }
  }

  refuse(text, field) {
    this.showStatus(text, true);
    field.focus();
  }
}
