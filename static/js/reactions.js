// reactions.js — owns a message's reactions: the row of chips under it (emoji and count,
// pressed when I reacted, a click toggles mine, a last button adds another), and keeping
// each chip's count and my own `me` right as reaction_added / reaction_removed frames come
// in. Frames sent to a whole room carry `me: false` for everyone, so `me` is only ever taken
// from an answer made for me (a history page) or from a frame whose user_id is mine (see
// message-frames.js for why the reactions of message frames are not taken at all). Clicks
// are handled by message-actions.js (data-emoji / data-action); the tooltip naming who
// reacted, and what a click does, is reactors.js's.
import { h } from './dom.js';
import { t } from './i18n.js';
import { icon } from './icons.js';

/** The reactions of `message` as a fresh array (never null). */
function reactionsOf(message) {
  return Array.isArray(message.reactions) ? message.reactions.map((r) => ({ ...r })) : [];
}

/** reaction_added: `mine` when the frame's user_id is mine. Returns the new list. */
export function withReactionAdded(message, emoji, mine) {
  const list = reactionsOf(message);
  const found = list.find((r) => r.emoji === emoji);
  if (!found) list.push({ emoji, count: 1, me: mine });
  else if (!(mine && found.me)) {
    found.count += 1;
    found.me = found.me || mine;
  }
  return list;
}

/** reaction_removed: `mine` when the frame's user_id is mine. Returns the new list. */
export function withReactionRemoved(message, emoji, mine) {
  const list = reactionsOf(message);
  const found = list.find((r) => r.emoji === emoji);
  if (!found || (mine && !found.me)) return list;
  found.count -= 1;
  if (mine) found.me = false;
  return list.filter((r) => r.count > 0);
}

/** The chips under `message`, or null when nobody reacted. */
export function reactionRow(message) {
  const list = reactionsOf(message);
  if (!list.length) return null;
  const chips = list.map((r) => h('button', {
    class: `reaction${r.me ? ' reaction--mine' : ''}`,
    type: 'button',
    'aria-pressed': r.me ? 'true' : 'false',
    'aria-label': r.me
      ? t('reactions.chip-mine', { emoji: r.emoji, count: r.count })
      : t('reactions.chip', { emoji: r.emoji, count: r.count }),
    dataset: { emoji: r.emoji },
  },
  h('span', { class: 'reaction__emoji', 'aria-hidden': 'true', text: r.emoji }),
  h('span', { class: 'reaction__count', 'aria-hidden': 'true', text: String(r.count) })));
  const add = h('button', {
    class: 'reaction reaction--add',
    type: 'button',
    'aria-label': t('message.react'),
    title: t('message.react'),
    dataset: { action: 'react' },
  }, icon('smile-plus'));
  return h('div', { class: 'reactions', role: 'group', 'aria-label': t('reactions.label') }, ...chips, add);
}
