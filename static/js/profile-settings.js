// profile-settings.js — owns the «Профиль» section of the settings dialog: the
// city and the about text (with a counter of the characters left), filled from
// GET /api/me each time the dialog opens and saved with PATCH /api/me. The
// server's refusal is shown in the section, in the page's language; everyone
// else hears the change from the server (user_updated).
import * as api from './api.js';
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
   * @param {HTMLTextAreaElement} o.about
   * @param {HTMLElement} o.counter  «осталось N символов»
   * @param {HTMLElement} o.status  the saved / failed line
   * @param {HTMLButtonElement} o.save
   * @param {(me: object) => void} o.onSaved  the account as saved
   */
  constructor({ form, city, about, counter, status, save, onSaved }) {
    Object.assign(this, { form, city, about, counter, status, save, onSaved });
    /** The line shown, as a function so a language switch can say it again; null: none. */
    this.statusText = null;
    this.busy = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    about.addEventListener('input', () => {
      this.renderCounter();
      this.showStatus(null);
    });
    city.addEventListener('input', () => this.showStatus(null));
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
      this.city.value = me.city ?? '';
      this.about.value = me.about ?? '';
    } catch (err) {
      this.showStatus(() => err.message, true);
    }
    this.renderCounter();
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
      const me = await api.updateMe({ city, about });
      this.city.value = me.city;
      this.about.value = me.about;
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
