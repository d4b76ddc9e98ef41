// page-life.js — owns what the chat page does as the browser moves around it: leaving
// (logging out or closing with messages not yet stored asks first), going back and forward
// between rooms (the address names the room), and being put away and brought back whole
// (the back-forward cache: the socket stops and starts again).
import { byId } from './dom.js';
import { t } from './i18n.js';

/**
 * @param {object} o
 * @param {{leaving: boolean}} o.state  the page's state (`leaving` is set here)
 * @param {{size: number}} o.outbox  the messages not yet stored
 * @param {{start: () => void, stop: () => void}} o.socket
 * @param {() => void} o.onNavigate  the address changed by back or forward: show its room
 */
export function watchPageLife({ state, outbox, socket, onNavigate }) {
  byId('logout-form').addEventListener('submit', (event) => {
    if (outbox.size && !window.confirm(t('chat.logout-confirm'))) {
      event.preventDefault();
      return;
    }
    state.leaving = true;
    socket.stop();
  });
  window.addEventListener('popstate', () => onNavigate());
  window.addEventListener('pagehide', () => socket.stop());
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) socket.start();
  });
  window.addEventListener('beforeunload', (event) => {
    // Unsent messages would be lost: let the browser ask.
    if (outbox.size && !state.leaving) {
      event.preventDefault();
      event.returnValue = '';
    }
  });
}
