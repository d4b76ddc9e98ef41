// composer.js — owns the message box: Enter sends / Shift+Enter breaks the
// line, the send button's enabled state, the length counter near the
// 2000-character limit (numbers and its tooltip in the page's language) and,
// when Enter is pressed on a longer text, the line saying by how much to
// shorten it; growing with its content (up to about ten lines, then it scrolls
// inside), "I am typing" pings, and putting text in at the cursor (an emoji). Other
// pieces may take a key first (addKeyHandler: the mention list, the reply bar,
// ↑ to edit the last message).
import { t, onLangChange, formatNumber } from './i18n.js';

/** The server's limit on a message, in characters (Unicode scalar values). */
export const MAX_MESSAGE_CHARS = 2000;
/** Show the counter from this length on. */
const COUNTER_FROM = 1800;
/** The box grows up to this many lines (app.css caps its height to match). */
const MAX_ROWS = 10;

/** Length as the server counts it (code points, not UTF-16 units). */
export function charCount(text) {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

export class Composer {
  /**
   * @param {object} o
   * @param {object} o.elements  form, input, send, counter, error (a polite live region)
   * @param {(content:string) => boolean} o.onSend  true when the text was taken
   * @param {() => void} o.onTyping                   the user typed something non-empty
   */
  constructor({ elements, onSend, onTyping }) {
    Object.assign(this, elements);
    this.onSend = onSend;
    this.onTyping = onTyping;
    /** Enter was pressed on a text over the limit: say why until the text fits. */
    this.explainLength = false;
    /** fn(event) => true when it took the key, asked in order before the composer's own keys. */
    this.keyHandlers = [];

    this.input.addEventListener('keydown', (event) => {
      // keyCode 229: an IME is composing (e.g. Japanese input); Enter confirms the word there.
      if (event.isComposing || event.keyCode === 229) return;
      if (this.keyHandlers.some((handle) => handle(event))) return;
      if (event.key !== 'Enter' || event.shiftKey) return;
      event.preventDefault();
      this.submit();
    });
    this.input.addEventListener('input', () => {
      this.update();
      if (this.input.value.trim()) this.onTyping();
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submit();
    });
    onLangChange(() => this.update());
    this.update();
  }

  /** Lets `handle(event)` take keys of the box before Enter sends (it returns true when it did). */
  addKeyHandler(handle) {
    this.keyHandlers.push(handle);
  }

  /** Puts `text` in at the cursor (replacing a selection), as if typed. */
  insert(text) {
    const { selectionStart: start, selectionEnd: end, value } = this.input;
    this.input.value = value.slice(0, start) + text + value.slice(end);
    const caret = start + text.length;
    this.input.focus();
    this.input.setSelectionRange(caret, caret);
    this.input.dispatchEvent(new Event('input', { bubbles: true }));
  }

  get value() {
    return this.input.value;
  }

  setValue(text) {
    this.input.value = text;
    this.explainLength = false;
    this.update();
  }

  setPlaceholder(text) {
    this.input.placeholder = text;
  }

  focus() {
    this.input.focus();
  }

  submit() {
    const trimmed = this.input.value.trim();
    if (charCount(trimmed) > MAX_MESSAGE_CHARS) {
      this.explainLength = true;
      this.update();
      return;
    }
    if (!trimmed) return;
    if (this.onSend(trimmed)) {
      this.input.value = '';
      this.update();
    }
    this.input.focus();
  }

  update() {
    const trimmed = this.input.value.trim();
    const length = charCount(trimmed);
    const tooLong = length > MAX_MESSAGE_CHARS;
    this.send.disabled = !trimmed || tooLong;

    this.counter.hidden = length < COUNTER_FROM;
    this.counter.textContent = `${formatNumber(length)} / ${formatNumber(MAX_MESSAGE_CHARS)}`;
    this.counter.classList.toggle('is-over', tooLong);
    this.counter.title = tooLong
      ? t('composer.over', { count: length - MAX_MESSAGE_CHARS })
      : t('composer.left', { count: MAX_MESSAGE_CHARS - length });
    this.input.setAttribute('aria-invalid', tooLong ? 'true' : 'false');

    if (!tooLong) this.explainLength = false;
    const why = this.explainLength
      ? t('composer.too-long', { max: MAX_MESSAGE_CHARS, count: length - MAX_MESSAGE_CHARS })
      : '';
    // Only a change is written, so the live region speaks once per change.
    if (this.error.textContent !== why) this.error.textContent = why;

    // Grow with explicit line breaks (CSS field-sizing does the rest where supported).
    const lines = this.input.value.split('\n').length;
    this.input.rows = Math.max(1, Math.min(MAX_ROWS, lines));
  }
}
