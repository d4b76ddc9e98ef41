// message-format.js — owns how the parts of a message read: its time and the
// day separators (ru-RU), its author, whether it continues the previous
// message's group, links in its text, and the status line of a pending one.
// Pure helpers for messages.js; no state.
import { h } from './dom.js';

/** Consecutive messages of one author closer than this share one header. */
const GROUP_WINDOW_MS = 5 * 60 * 1000;

export const timeFormat = new Intl.DateTimeFormat('ru-RU', { hour: '2-digit', minute: '2-digit' });
export const fullFormat = new Intl.DateTimeFormat('ru-RU', { dateStyle: 'full', timeStyle: 'medium' });
const dayFormat = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', year: 'numeric' });
const dayFormatThisYear = new Intl.DateTimeFormat('ru-RU', { day: 'numeric', month: 'long', weekday: 'long' });

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/giu;
const TRAILING_PUNCTUATION = '.,!?;:»…"\'\u201d]}';

const PENDING_LABELS = {
  sending: 'Отправляется…',
  queued: 'Ждёт подключения — отправится само',
  failed: 'Не отправлено',
};

/** The label of a message held back by the server's rate limit, counting down to its resend. */
function limitedLabel(entry) {
  const secs = Math.max(1, Math.ceil(((entry.retry_at ?? 0) - Date.now()) / 1000));
  return `Слишком часто — отправится само через ${secs} с`;
}

/** The status line of a pending message. */
export function pendingLabel(entry) {
  return entry.status === 'limited' ? limitedLabel(entry) : PENDING_LABELS[entry.status] ?? '';
}

export function dateOf(message) {
  const d = new Date(message.created_at);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

export function dayLabel(date) {
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(date) === dayKey(today)) return 'Сегодня';
  if (dayKey(date) === dayKey(yesterday)) return 'Вчера';
  return date.getFullYear() === today.getFullYear() ? dayFormatThisYear.format(date) : dayFormat.format(date);
}

export function authorOf(message) {
  return message.user ?? { id: null, username: 'Неизвестный', city: '' };
}

/** True when `message` continues `prev`'s group (same author, same day, < 5 min apart). */
export function continues(prev, message) {
  if (!prev) return false;
  const a = authorOf(prev);
  const b = authorOf(message);
  if (a.id === null || a.id !== b.id) return false;
  const t0 = dateOf(prev);
  const t1 = dateOf(message);
  const gap = t1 - t0;
  return gap >= 0 && gap < GROUP_WINDOW_MS && dayKey(t0) === dayKey(t1);
}

/** Appends `text` to `parent`, turning http(s) URLs into safe links. */
export function appendLinkified(parent, text) {
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let candidate = match[0];
    // Trailing punctuation belongs to the sentence, not the URL; a ")" stays when
    // it closes a "(" inside the URL, e.g. wiki links "…_(film)".
    while (candidate.length) {
      const ch = candidate[candidate.length - 1];
      if (ch === ')') {
        const opens = candidate.split('(').length - 1;
        const closes = candidate.split(')').length - 1;
        if (opens >= closes) break;
      } else if (!TRAILING_PUNCTUATION.includes(ch)) {
        break;
      }
      candidate = candidate.slice(0, -1);
    }
    let href = null;
    try {
      const url = new URL(candidate);
      if (url.protocol === 'http:' || url.protocol === 'https:') href = url.href;
    } catch {
      href = null;
    }
    if (!href) continue;
    const start = match.index;
    if (start > last) parent.append(document.createTextNode(text.slice(last, start)));
    parent.append(h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow ugc', text: candidate }));
    last = start + candidate.length;
  }
  if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
}
