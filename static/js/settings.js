// settings.js — owns the chat's settings dialog, opened from the user's footer:
// a list of sections, each a <section> of the dialog with a module of its own
// (the avatar: avatar-settings.js; the profile: profile-settings.js; the
// password: password-settings.js; the people I blocked: blocked-list.js), and
// the language of the interface, which is this module's. A language choice
// applies at once, without a reload, and is saved (language.js); when the save
// fails the page stays switched and the caller is told. The dialog closes with
// «Готово», Escape or a click on the backdrop, and gives the focus back to the
// button that opened it.
import { lang, onLangChange } from './i18n.js';
import { chooseLanguage } from './language.js';
import { showModal, closeModal } from './dialog.js';

export class Settings {
  /**
   * @param {object} o
   * @param {HTMLElement} o.button  opens the dialog
   * @param {HTMLDialogElement} o.dialog
   * @param {HTMLFormElement} o.form  the dialog's form; submitting it («Готово») closes the dialog
   * @param {HTMLSelectElement} o.language  the language <select>
   * @param {(err: Error) => void} o.onSaveFailed  the page switched but the choice was not saved
   * @param {Array<{opened?: () => void}>} [o.sections]  the other sections' modules, told each
   *   time the dialog opens (to show what is saved now)
   */
  constructor({ button, dialog, form, language, onSaveFailed, sections = [] }) {
    this.button = button;
    this.sections = sections;
    this.dialog = dialog;
    this.language = language;
    this.sections = sections;

    button.addEventListener('click', () => this.open());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.close();
    });
    // A click on the dimmed backdrop (the <dialog> itself, outside the form) closes it.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) this.close();
    });
    dialog.addEventListener('close', () => button.focus({ preventScroll: true }));
    language.addEventListener('change', async () => {
      const failure = await chooseLanguage(language.value);
      language.value = lang;
      if (failure) onSaveFailed(failure);
    });
    // Switched from another tab: the select shows what the page speaks.
    onLangChange((code) => {
      language.value = code;
    });
  }

  open() {
    this.language.value = lang;
    for (const section of this.sections) section.opened?.();
    showModal(this.dialog);
    this.language.focus();
  }

  close() {
    closeModal(this.dialog);
  }
}
