// register.js — owns the registration form's checks that HTML attributes
// cannot express: the password length in bytes (8–72, as bcrypt counts) and
// that both passwords match. The server checks everything again.

const form = document.getElementById('register-form');
const password = document.getElementById('password');
const confirmation = document.getElementById('password_confirm');
const encoder = new TextEncoder();

function check() {
  const bytes = encoder.encode(password.value).length;
  if (password.value && bytes < 8) {
    password.setCustomValidity('Пароль слишком короткий: нужно не меньше 8 байт.');
  } else if (bytes > 72) {
    password.setCustomValidity(`Пароль слишком длинный: ${bytes} байт, можно не больше 72.`);
  } else {
    password.setCustomValidity('');
  }
  confirmation.setCustomValidity(
    confirmation.value && confirmation.value !== password.value ? 'Пароли не совпадают.' : '',
  );
}

if (form && password && confirmation) {
  // maxlength counts characters, not bytes; the byte check above is the real limit.
  password.removeAttribute('maxlength');
  confirmation.removeAttribute('maxlength');
  password.addEventListener('input', check);
  confirmation.addEventListener('input', check);
  form.addEventListener('submit', (event) => {
    check();
    if (!form.checkValidity()) {
      event.preventDefault();
      form.reportValidity();
    }
  });
}
