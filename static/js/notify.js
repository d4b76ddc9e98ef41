// notify.js — owns transient feedback: toasts (errors and notices that fade
// out by themselves; one already shown keeps its language) and the
// «Переподключение…» banner shown while the WebSocket is down.
import { h } from './dom.js';
import { icon } from './icons.js';
import { t, onLangChange } from './i18n.js';

const TOAST_MS = 4500;
const MAX_TOASTS = 4;

export class Toasts {
  constructor(container) {
    this.container = container;
  }

  /** Shows `message` for a few seconds. kind: 'error' | 'info' | 'success'. */
  show(message, kind = 'error', timeout = TOAST_MS) {
    const text = String(message ?? '').trim();
    if (!text) return;
    // The same text twice in a row (e.g. repeated errors) only refreshes the first one.
    for (const existing of this.container.children) {
      if (existing.dataset.text === text) {
        existing.remove();
        break;
      }
    }
    const close = () => {
      toast.classList.add('toast--leaving');
      setTimeout(() => toast.remove(), 200);
    };
    const toast = h('div', { class: `toast toast--${kind}`, role: kind === 'error' ? 'alert' : 'status', dataset: { text } },
      h('span', { class: 'toast__text', text }),
      h('button', {
        class: 'toast__close', type: 'button', 'aria-label': t('common.close'), title: t('common.close'),
        'data-i18n-aria-label': 'common.close', 'data-i18n-title': 'common.close', onClick: close,
      }, icon('x')),
    );
    this.container.append(toast);
    while (this.container.children.length > MAX_TOASTS) this.container.firstElementChild.remove();
    setTimeout(close, timeout);
  }

  error(message) {
    this.show(message, 'error');
  }

  info(message) {
    this.show(message, 'info');
  }

  success(message) {
    this.show(message, 'success');
  }
}

export class ConnectionBanner {
  constructor({ banner, text, retry, onRetry }) {
    this.banner = banner;
    this.text = text;
    this.retry = retry;
    this.countdown = null;
    /** The last state shown, so a language switch can say it again. */
    this.last = null;
    retry.addEventListener('click', () => onRetry());
    onLangChange(() => {
      if (this.last) this.update(this.last.state, this.last.info);
    });
  }

  /** Reflects a ChatSocket state. Nothing is shown during the very first connect. */
  update(state, info) {
    this.last = { state, info };
    clearInterval(this.countdown);
    this.countdown = null;
    if (state === 'open' || state === 'stopped') {
      this.banner.hidden = true;
      document.body.classList.remove('is-offline');
      return;
    }
    if (state === 'connecting') {
      if (!info.everOpened && info.attempt === 0) return; // first connect: no alarm
      this.show(t('connection.reconnecting'), false);
      return;
    }
    if (state === 'waiting') {
      const tick = () => {
        const seconds = Math.max(0, Math.ceil((info.retryAt - Date.now()) / 1000));
        this.show(seconds > 0 ? t('connection.retry-in', { count: seconds }) : t('connection.reconnecting'), true);
      };
      tick();
      this.countdown = setInterval(tick, 1000);
    }
  }

  show(text, canRetry) {
    this.text.textContent = text;
    this.retry.hidden = !canRetry;
    this.banner.hidden = false;
    document.body.classList.add('is-offline');
  }
}
