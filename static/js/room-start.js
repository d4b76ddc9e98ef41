// room-start.js — owns the card at the very top of a room's history: the
// welcome title, the room's description as a sentence of its own, and the
// invitation to write first while the room is empty.
import { h } from './dom.js';
import { t } from './i18n.js';

/** A sentence already ends with one of these (. ! ? … and so ?! or ...). */
const ENDS_SENTENCE = /[.!?…]$/u;
/** Closing quotes and brackets may follow the final mark: «Привет!», (см. выше.) */
const CLOSERS = /[»“”"’')\]]+$/u;
/** Dangling punctuation that a full stop replaces: "Правила:" reads "Правила." */
const DANGLING = /[\s,;:–—-]+$/u;

/**
 * `text` as a sentence of its own, to stand between two others: trimmed, and ending
 * with a full stop unless it already ends with . ! ? or … (before any closing quotes or
 * brackets). A trailing comma, colon, semicolon or dash gives way to the full stop.
 * Empty text stays empty.
 */
export function asSentence(text) {
  const trimmed = String(text ?? '').trim();
  if (!trimmed) return '';
  if (ENDS_SENTENCE.test(trimmed.replace(CLOSERS, ''))) return trimmed;
  const bare = trimmed.replace(DANGLING, '');
  return bare ? `${bare}.` : '';
}

/**
 * Fills the card for `room`: «Добро пожаловать в #name!», then «Это начало комнаты.»,
 * the description (its own element and sentence) and, when `empty`, the invitation; for a
 * direct conversation «Переписка с name» and whose it is.
 */
export function renderRoomStart({ title, text }, room, empty) {
  if (room.kind === 'dm') {
    title.textContent = t('room.dm-welcome', { name: room.name });
    text.replaceChildren(t('room.dm-start', { name: room.name }), ...(empty ? [' ', t('room.empty')] : []));
    return;
  }
  title.textContent = t('room.welcome', { room: room.name });
  const description = asSentence(room.description);
  text.replaceChildren(
    t('room.start'),
    ...(description ? [' ', h('span', { class: 'room-start__desc', text: description })] : []),
    ...(empty ? [' ', t('room.empty')] : []),
  );
}
