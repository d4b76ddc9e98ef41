// lang-select.js — owns the language <select> of the sign-in pages (login,
// register): the page turns to the chosen language at once, and the choice is
// remembered for the pages that follow; a failed save is said under the switch.
import { t, lang, onLangChange } from './i18n.js';
import { chooseLanguage, followOtherTabs } from './language.js';

const select = document.getElementById('lang-select');
const error = document.getElementById('lang-error');

function showSaveFailed(failed) {
  error.hidden = !failed;
  error.textContent = failed ? t('lang.save-failed') : '';
}

if (select && error) {
  select.addEventListener('change', async () => {
    showSaveFailed(false);
    const failure = await chooseLanguage(select.value);
    select.value = lang;
    showSaveFailed(Boolean(failure));
  });
  followOtherTabs();
  onLangChange((code) => {
    select.value = code;
    if (!error.hidden) showSaveFailed(true);
  });
  select.value = lang;
}
