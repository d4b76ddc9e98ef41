// quiet-hours.js — owns the gentle notice above the composer that the person about to be
// written to is in their quiet hours (23:00–07:00 where they are): the other person of an
// open conversation, or a member of the room named with @ in the draft. It never blocks
// sending; it follows the draft as it is typed, the room opened and the clock, and goes away
// when nobody written to is asleep. Whose time it is comes from local-time.js.
import { t, lang, formatList, onLangChange } from './i18n.js';
import { isQuiet, localTime } from './local-time.js';
import { onEachMinute } from './clock.js';

/** "@name" at the start or after a space (the characters mentions.js completes). */
const MENTION = /(?:^|\s)@([\p{Alphabetic}\p{N}_.-]{1,32})/gu;

/** The lower-cased names written with @ in `draft`, each once. */
export function mentionedNames(draft) {
  const names = new Set();
  for (const match of String(draft ?? '').matchAll(MENTION)) {
    // A name typed at the end of a sentence: «@борис.» names борис.
    names.add(match[1].replace(/[.-]+$/u, '').toLocaleLowerCase());
  }
  return names;
}

/**
 * Who, of the people `draft` is for, is in quiet hours at `now`: in a conversation (`room.kind`
 * 'dm'), its other person (`room.peer`); in any room, the members (`members`) named with @.
 * Never `meId`; only people whose time zone is known. Each once, in the order found.
 */
export function quietPeople({ draft, room, members = [], meId, now }) {
  const found = new Map();
  const consider = (user) => {
    if (!user || Number(user.id) === meId || found.has(Number(user.id))) return;
    if (user.timezone && isQuiet(user.timezone, now)) found.set(Number(user.id), user);
  };
  if (room?.kind === 'dm') {
    const peerId = Number(room.peer?.id);
    // The member list may know their time zone better than the conversation list did.
    consider([...members].find((m) => Number(m.id) === peerId) ?? room.peer);
  }
  const names = mentionedNames(draft);
  if (names.size) {
    for (const user of members) {
      if (names.has(String(user.username ?? '').toLocaleLowerCase())) consider(user);
    }
  }
  return [...found.values()];
}

/** The notice's words for `people` at `now`: one person with their time, several by name. */
export function quietText(people, now) {
  if (!people.length) return '';
  if (people.length === 1) {
    const [person] = people;
    return t('quiet.one', { name: person.username, time: localTime(person.timezone, now, lang) });
  }
  return t('quiet.many', { names: formatList(people.map((p) => p.username)) });
}

export class QuietNotice {
  /**
   * @param {object} o
   * @param {HTMLElement} o.element  a role="status" line above the composer
   * @param {HTMLTextAreaElement} o.input  the composer's box
   * @param {() => ?object} o.room  the open room (rooms.js's normalised form)
   * @param {() => Iterable<object>} o.members  who is in it (with their time zones)
   * @param {number} o.meId
   */
  constructor({ element, input, room, members, meId }) {
    Object.assign(this, { element, input, room, members, meId });
    input.addEventListener('input', () => this.update());
    // Sending empties the box without an input event; a key let go after it says so.
    input.addEventListener('keyup', () => this.update());
    onEachMinute(() => this.update());
    onLangChange(() => this.update());
  }

  /** Says it again for the draft, the room and the time now (cheap: a regex and a lookup). */
  update(now = new Date()) {
    const people = quietPeople({ draft: this.input.value, room: this.room(), members: [...this.members()], meId: this.meId, now });
    const text = quietText(people, now);
    // Only a change is written, so the status line speaks once per change; kept rendered
    // while empty (no height), so screen readers keep listening to it.
    if (this.element.textContent !== text) this.element.textContent = text;
  }
}
