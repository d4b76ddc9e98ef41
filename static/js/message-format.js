// message-format.js — owns how one message looks: its <li> (avatar, author,
// city, time, the line quoting the message it answers, its text through the
// markdown renderer (format.js), «(изменено)», the pin mark, the reaction chips
// of reactions.js, and the status line of a pending one with its retry / delete
// buttons), the day separators, its author, and whether it continues the
// previous message's group. Times and days come from i18n.js in the page's
// language. Pure helpers for messages.js; no state, no listeners: clicks are
// message-actions.js's, by delegation.
import { h } from './dom.js';
import { t, lang, formatTime, formatRelative, formatDateTime, formatDay } from './i18n.js';
import { localTime } from './local-time.js';
import { avatar, cityBadge } from './people.js';
import { icon } from './icons.js';
import { renderMessage } from './format.js';
import { reactionRow } from './reactions.js';

/** The start of a message's text as a reply quotes it (the server cuts at 100 characters too). */
const EXCERPT_CHARS = 100;

/** Consecutive messages of one author closer than this share one header. */
const GROUP_WINDOW_MS = 5 * 60 * 1000;

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

/** The author's avatar; a click opens their profile card (profile-card.js), as the name's does. */
function profileAvatar(author) {
  const el = avatar(author);
  if (author.id !== null) el.dataset.profileId = String(author.id);
  return el;
}

/**
 * The <li> of one message. `me`: the signed-in user; `people`: usernames by user id, as far
 * as the page knows them (for the mentions). `continued`: it continues the previous message's
 * group (no header; the time shows on hover). `pending`: not stored yet, with its status line and,
 * when it failed, «Повторить» / «Удалить» (`onRetry`, `onDiscard` get its client_id).
 */
export function messageItem(message, { continued, pending, me, people = new Map(), onRetry, onDiscard }) {
  const author = authorOf(message);
  const date = dateOf(message);
  const mentions = Array.isArray(message.mentions) ? message.mentions.map(Number) : [];
  const classes = ['msg'];
  if (continued) classes.push('msg--continued');
  if (author.id !== null && author.id === me.id) classes.push('msg--mine');
  if (!pending && mentions.includes(me.id)) classes.push('msg--mention');
  if (message.pinned) classes.push('msg--pinned');
  if (pending) classes.push('msg--pending', `msg--${message.status}`);

  // The header says the day too («Сегодня в 14:05»); the hover time of a continued message
  // only the time; the tooltip the full date and, for someone else, their clock when they wrote.
  const title = [formatDateTime(date), author.id === me.id ? null : theirTime(author, date)].filter(Boolean).join('\n');
  const time = (cls, text) => h('time', { class: cls, datetime: date.toISOString(), title, text });

  // "@name" shows as a mention for the people the server found mentioned, as far as we know their names.
  const named = new Map();
  for (const id of mentions) if (people.has(id)) named.set(people.get(id).toLowerCase(), { id });
  const body = h('div', { class: 'msg__body' }, renderMessage(String(message.content ?? ''), { mentions: named, me: me.username }));
  const text = h('div', { class: 'msg__text' }, body, editedMark(message), pinMark(message));

  const main = h('div', { class: 'msg__main' });
  main.append(...[replyQuote(message.reply_to ?? message.reply)].filter(Boolean));
  if (!continued) {
    main.append(h('div', { class: 'msg__head' },
      author.id === null
        ? h('span', { class: 'msg__author', text: author.username })
        : h('button', { class: 'msg__author', type: 'button', dataset: { profileId: author.id }, text: author.username }),
      cityBadge(author),
      time('msg__time', formatRelative(date)),
    ));
  }
  main.append(text);
  if (pending) main.append(pendingStatus(message, onRetry, onDiscard));
  else main.append(...[reactionRow(message)].filter(Boolean));

  const gutter = h('div', { class: 'msg__gutter' }, continued ? time('msg__hover-time', formatTime(date)) : profileAvatar(author));
  const li = h('li', { class: classes.join(' ') }, gutter, main);
  if (pending) {
    li.dataset.clientId = message.client_id;
  } else {
    li.dataset.id = String(message.id);
    // Reached with the arrow keys from the list (message-actions.js), not with Tab.
    li.tabIndex = -1;
  }
  return li;
}

/** «Борис: 02:14 по местному времени» at `date` where `author` is; null when their zone does not show. */
function theirTime(author, date) {
  const time = author.timezone ? localTime(author.timezone, date, lang) : null;
  return time ? t('localtime.sent', { name: author.username, time }) : null;
}

/**
 * The line above a reply quoting what it answers: the author and the start of the text, a
 * button that shows the original in context; or that the original was deleted.
 */
export function replyQuote(reply) {
  if (!reply || reply.id === undefined || reply.id === null) return null;
  if (reply.deleted) {
    return h('div', { class: 'msg__reply msg__reply--deleted' },
      icon('reply', 'msg__reply-icon'),
      h('span', { class: 'msg__reply-text', text: t('reply.deleted') }));
  }
  const name = reply.user?.username ?? t('messages.unknown-author');
  const excerpt = String(reply.excerpt ?? '');
  return h('button', {
    class: 'msg__reply',
    type: 'button',
    dataset: { replyId: reply.id },
    'aria-label': t('reply.show-original', { name, excerpt }),
    title: t('reply.jump'),
  },
  icon('reply', 'msg__reply-icon'),
  h('span', { class: 'msg__reply-author', text: `@${name}` }),
  h('span', { class: 'msg__reply-text', text: excerpt }));
}

/** «(изменено)», with the time of the edit in its tooltip; null for a message never edited. */
function editedMark(message) {
  if (!message.edited_at) return null;
  const date = new Date(message.edited_at);
  const when = Number.isNaN(date.getTime()) ? '' : formatDateTime(date);
  return h('span', { class: 'msg__edited', title: t('message.edited-at', { time: when }), text: ` ${t('message.edited')}` });
}

/** A small pin after the text of a pinned message. */
function pinMark(message) {
  if (!message.pinned) return null;
  return h('span', { class: 'msg__pin', title: t('message.pinned'), role: 'img', 'aria-label': t('message.pinned') }, icon('pin'));
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
  if (message.reply_to ?? message.reply) return false; // a reply shows its header under its quote
  const a = authorOf(prev);
  const b = authorOf(message);
  if (a.id === null || a.id !== b.id) return false;
  const t0 = dateOf(prev);
  const t1 = dateOf(message);
  const gap = t1 - t0;
  return gap >= 0 && gap < GROUP_WINDOW_MS && dayKey(t0) === dayKey(t1);
}

/** The quote of `content` a reply shows: its first characters, on one line. */
export function excerptOf(content) {
  const chars = Array.from(String(content ?? '').replace(/\s+/gu, ' ').trim());
  return chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS).join('')}…` : chars.join('');
}
