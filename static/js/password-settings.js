// password-settings.js — owns the «Пароль» section of the settings dialog: the
// current password, the new one twice, checked here as the server would
// (8–72 bytes, the two the same) and sent with POST /api/me/password. When it
// is changed, every other device of the account is signed out (the server ends
// their sessions) and the section says so; this page stays signed in.
import * as api from './api.js';
import { t, onLangChange } from './i18n.js';

const MIN_BYTES = 8;
const MAX_BYTES = 72;

export class PasswordSettings {
  /**
   * @param {object} o
   * @param {HTMLFormElement} o.form
   * @param {HTMLInputElement} o.current
   * @param {HTMLInputElement} o.next
   * @param {HTMLInputElement} o.confirm
   * @param {HTMLElement} o.status  the changed / refused line
   * @param {HTMLButtonElement} o.save
   */
  constructor({ form, current, next, confirm, status, save }) {
    Object.assign(this, { form, current, next, confirm, status, save });
    this.statusText = null;
    this.busy = false;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    for (const field of [current, next, confirm]) field.addEventListener('input', () => this.showStatus(null));
    onLangChange(() => this.showStatus(this.statusText, this.status.classList.contains('form__error')));
  }

  /** The dialog opened: empty fields, nothing said. */
  opened() {
    this.form.reset();
    this.showStatus(null);
  }

  showStatus(text, error = false) {
    this.statusText = text;
    this.status.textContent = text ? text() : '';
    this.status.hidden = !text;
    this.status.classList.toggle('form__error', Boolean(text) && error);
    this.status.setAttribute('role', error ? 'alert' : 'status');
  }

  async submit() {
    if (this.busy) return;
    const current = this.current.value;
    const next = this.next.value;
    const bytes = new TextEncoder().encode(next).length;
    if (!current) return this.refuse(() => t('settings.password-current-empty'), this.current);
    if (bytes < MIN_BYTES) return this.refuse(() => t('settings.password-too-short', { min: MIN_BYTES }), this.next);
    if (bytes > MAX_BYTES) return this.refuse(() => t('settings.password-too-long', { max: MAX_BYTES }), this.next);
    if (next !== this.confirm.value) return this.refuse(() => t('settings.password-mismatch'), this.confirm);
    this.busy = true;
    this.save.disabled = true;
    try {
      await api.changePassword(current, next);
      this.form.reset();
      this.showStatus(() => t('settings.password-changed'));
    } catch (err) {
      const message = err.message;
      this.showStatus(() => message, true);
      if (err.code === 'wrong_password') this.current.focus();
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
