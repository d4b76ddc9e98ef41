// register.js — owns the registration form's checks that HTML attributes
// cannot express: the password length in bytes (8–72, as bcrypt counts) and
// that both passwords match, said in the page's language. The server checks
// everything again.
import { t, onLangChange } from './i18n.js';

const form = document.getElementById('register-form');
const password = document.getElementById('password');
const confirmation = document.getElementById('password_confirm');
const encoder = new TextEncoder();

function check() {
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

if (form && password && confirmation) {
  // maxlength counts characters, not bytes; the byte check above is the real limit.
  password.removeAttribute('maxlength');
  confirmation.removeAttribute('maxlength');
  password.addEventListener('input', check);
  confirmation.addEventListener('input', check);
  onLangChange(check);
  form.addEventListener('submit', (event) => {
    check();
    if (!form.checkValidity()) {
      event.preventDefault();
      form.reportValidity();
    }
  });
}
