// message-format.js — owns how one message looks: its <li> (avatar, author,
// city, time, text with links, and the status line of a pending one with its
// retry / delete buttons), the day separators, its author, and whether it
// continues the previous message's group. Times and days come from i18n.js in
// the page's language. Pure helpers for messages.js; no state.
import { h } from './dom.js';
import { t, formatTime, formatRelative, formatDateTime, formatDay } from './i18n.js';
import { avatar, cityBadge } from './people.js';

/** Consecutive messages of one author closer than this share one header. */
const GROUP_WINDOW_MS = 5 * 60 * 1000;

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/giu;
const TRAILING_PUNCTUATION = '.,!?;:»…"\'\u201d]}';

/** The status line of a pending message; a held-back one counts down to its resend. */
function pendingLabel(entry) {
  switch (entry.status) {
    case 'sending': return t('messages.sending');
    case 'queued': return t('messages.queued');
    case 'failed': return t('messages.failed');
    case 'limited': {
      const secs = Math.max(1, Math.ceil(((entry.retry_at ?? 0) - Date.now()) / 1000));
      return t('messages.limited', { count: secs });
    }
    default: return '';
  }
}

export function dateOf(message) {
  const d = new Date(message.created_at);
  return Number.isNaN(d.getTime()) ? new Date() : d;
}

export function dayKey(date) {
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** The line between two days of messages: «Сегодня», «Вчера», «понедельник, 30 ноября». */
export function daySeparator(date) {
  return h('li', { class: 'day-sep' }, h('span', { class: 'day-sep__label', text: formatDay(date) }));
}

export function authorOf(message) {
  return message.user ?? { id: null, username: t('messages.unknown-author'), city: '' };
}

/**
 * The <li> of one message. `continued`: it continues the previous message's group (no
 * header; the time shows on hover). `pending`: not stored yet, with its status line and,
 * when it failed, «Повторить» / «Удалить» (`onRetry`, `onDiscard` get its client_id).
 */
export function messageItem(message, { continued, pending, meId, onRetry, onDiscard }) {
  const author = authorOf(message);
  const date = dateOf(message);
  const classes = ['msg'];
  if (continued) classes.push('msg--continued');
  if (author.id !== null && author.id === meId) classes.push('msg--mine');
  if (pending) classes.push('msg--pending', `msg--${message.status}`);

  // The header says the day too («Сегодня в 14:05»); the hover time of a continued message
  // only the time; the tooltip the full date.
  const time = (cls, text) => h('time', { class: cls, datetime: date.toISOString(), title: formatDateTime(date), text });

  const body = h('div', { class: 'msg__body' });
  appendLinkified(body, String(message.content ?? ''));

  const main = h('div', { class: 'msg__main' });
  if (!continued) {
    main.append(h('div', { class: 'msg__head' },
      h('span', { class: 'msg__author', text: author.username }),
      cityBadge(author.city),
      time('msg__time', formatRelative(date)),
    ));
  }
  main.append(body);
  if (pending) main.append(pendingStatus(message, onRetry, onDiscard));

  const gutter = h('div', { class: 'msg__gutter' }, continued ? time('msg__hover-time', formatTime(date)) : avatar(author));
  const li = h('li', { class: classes.join(' ') }, gutter, main);
  if (pending) li.dataset.clientId = message.client_id;
  else li.dataset.id = String(message.id);
  return li;
}

function pendingStatus(entry, onRetry, onDiscard) {
  const status = h('div', { class: 'msg__status' }, h('span', { text: pendingLabel(entry) }));
  if (entry.status === 'limited') status.classList.add('msg__status--limited');
  if (entry.status === 'failed') {
    status.append(
      h('button', { class: 'link-btn', type: 'button', text: t('common.retry'), onClick: () => onRetry(entry.client_id) }),
      h('button', { class: 'link-btn link-btn--danger', type: 'button', text: t('messages.discard'), onClick: () => onDiscard(entry.client_id) }),
    );
  }
  return status;
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
