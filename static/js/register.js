// register.js — owns the registration form's checks that HTML attributes
// cannot express or cannot explain: the username's rules said in words (the
// browser's own pattern message only says "match the requested format"), the
// password length in bytes (8–72, as bcrypt counts) and that both passwords
// match, all said in the page's language. The server checks everything again.
// The city field gets the city picker (city-picker.js), which fills `city_id`.
import { t, onLangChange } from './i18n.js';
import { CityPicker } from './city-picker.js';

const form = document.getElementById('register-form');
const username = document.getElementById('username');
const password = document.getElementById('password');
const confirmation = document.getElementById('password_confirm');
const city = document.getElementById('city');
const cityId = document.getElementById('city_id');
const encoder = new TextEncoder();

/** A username's characters, as the server allows them: letters of any script, digits, _ - . */
const USERNAME_CHARS = /^[\p{Alphabetic}\p{N}_.-]*$/u;

/**
 * What is wrong with a username, as a catalogue text, or '' when it is fine. Like the
 * server it trims the name and counts characters (code points), 3–32 of them.
 */
export function usernameProblem(raw) {
  const name = raw.trim();
  if (!name) return '';
  if (!USERNAME_CHARS.test(name)) return t('register.username-chars');
  const length = Array.from(name).length;
  if (length < 3) return t('register.username-too-short');
  if (length > 32) return t('register.username-too-long');
  return '';
}

function checkUsername() {
  username.setCustomValidity(usernameProblem(username.value));
}

function checkPasswords() {
  const bytes = encoder.encode(password.value).length;
  if (password.value && bytes < 8) {
    password.setCustomValidity(t('register.password-too-short'));
  } else if (bytes > 72) {
    password.setCustomValidity(t('register.password-too-long', { count: bytes }));
  } else {
    password.setCustomValidity('');
  }
  confirmation.setCustomValidity(
    confirmation.value && confirmation.value !== password.value ? t('register.passwords-differ') : '',
  );
}

if (city && cityId) new CityPicker({ input: city, idInput: cityId });

if (form && username && password && confirmation) {
  // The checks above say what is wrong in words; the attributes would only let the
  // browser say "match the requested format". (They stay in the markup for no-JS.)
  username.removeAttribute('pattern');
  username.removeAttribute('minlength');
  // maxlength counts characters, not bytes; the byte check above is the real limit.
  password.removeAttribute('maxlength');
  confirmation.removeAttribute('maxlength');
  username.addEventListener('input', checkUsername);
  password.addEventListener('input', checkPasswords);
  confirmation.addEventListener('input', checkPasswords);
  // A name sent back by the server (after an error) is checked at once.
  checkUsername();
  onLangChange(() => {
    checkUsername();
    checkPasswords();
  });
  form.addEventListener('submit', (event) => {
    checkUsername();
    checkPasswords();
    if (!form.checkValidity()) {
      event.preventDefault();
      form.reportValidity();
    }
  });
}
