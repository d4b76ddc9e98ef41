// language.js — owns choosing the language for good: the page switches at once
// (i18n.js setLang, no reload), the choice is saved (PUT /api/language, which
// also sets the cookie the next pages are rendered in, and the account's
// preference when signed in), and the other tabs of this browser follow
// (BroadcastChannel). The switches on the sign-in pages (lang-select.js) and
// in the chat's settings (settings.js) both go through here.
import * as api from './api.js';
import { setLang } from './i18n.js';

/** Tabs of this browser tell each other about a switch on this channel. */
const CHANNEL = 'discock-language';

const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;

/**
 * Switches to `code`: the page changes at once, whatever happens to the save. Resolves to
 * null when the choice was saved, else to the error that kept it from being saved (the page
 * has switched anyway, unless even its catalogue could not be loaded).
 */
export async function chooseLanguage(code) {
  const saving = api.setLanguage(code).then(() => null, (err) => err ?? new Error('not saved'));
  try {
    await setLang(code);
    channel?.postMessage({ language: code });
  } catch (err) {
    console.warn('language: the page could not switch', err);
  }
  return saving;
}

/**
 * Follows switches made in other tabs of this browser (they saved the choice already).
 * `onFollowed(code)` runs after this page has switched.
 */
export function followOtherTabs(onFollowed = () => {}) {
  channel?.addEventListener('message', async (event) => {
    const code = event.data?.language;
    if (typeof code !== 'string') return;
    try {
      await setLang(code);
      onFollowed(code);
    } catch (err) {
      console.warn('language: could not follow the other tab', err);
    }
  });
}
