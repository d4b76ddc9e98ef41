// message-actions.js — owns what a person can do with a message and how they reach it:
// the toolbar that appears on a hovered or focused message (react, reply, edit, pin,
// copy link, delete — each only where allowed: edit for the author, delete for the
// author or the room's creator, pin for the room's creator), the same actions as a
// menu from a long press (phones) or from the keyboard, moving between messages with
// ↑/↓, the clicks on reaction chips and on a reply's quote, and sending the frames.
// Whatever the action, focus ends up back on the message or the control used.
import { h } from './dom.js';
import { t } from './i18n.js';
import { icon } from './icons.js';
import { authorOf, excerptOf } from './message-format.js';
import { onLongPress } from './long-press.js';
import { openEmojiPicker } from './emoji-picker.js';

/** Every action, in the order the toolbar and the menu show them; `menuOnly` ones are not on the toolbar. */
const ACTIONS = [
  { id: 'react', icon: 'smile-plus', label: () => t('message.react'), allowed: () => true },
  { id: 'reply', icon: 'reply', label: () => t('message.reply'), allowed: () => true },
  { id: 'edit', icon: 'pencil', label: () => t('message.edit'), allowed: ({ own }) => own },
  { id: 'pin', icon: 'pin', label: () => t('message.pin'), allowed: ({ creator, message }) => creator && !message.pinned },
  { id: 'unpin', icon: 'pin-off', label: () => t('message.unpin'), allowed: ({ creator, message }) => creator && Boolean(message.pinned) },
  { id: 'link', icon: 'link', label: () => t('message.copy-link'), allowed: () => true },
  { id: 'copy', icon: 'message-circle', label: () => t('message.copy-text'), allowed: () => true, menuOnly: true },
  { id: 'delete', icon: 'trash-2', label: () => t('message.delete'), allowed: ({ own, creator }) => own || creator, danger: true },
];

/** The address that opens the chat at message `messageId` of room `roomId`. */
export function messageUrl(roomId, messageId) {
  const url = new URL('/chat', window.location.origin);
  url.searchParams.set('room', String(roomId));
  url.searchParams.set('message', String(messageId));
  return url.href;
}

/** Puts `text` on the clipboard; false when the browser would not. */
async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (a page not served over https): the old way, through a selection.
    const focused = document.activeElement;
    const area = h('textarea', { class: 'visually-hidden', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    area.remove();
    focused?.focus?.({ preventScroll: true });
    return copied;
  }
}

export class MessageActions {
  /**
   * @param {object} o
   * @param {HTMLElement} o.scroller  the message pane (#messages)
   * @param {HTMLElement} o.list      the list of stored messages
   * @param {{id:number}} o.me
   * @param {() => object|null} o.room  the open room ({id, created_by})
   * @param {import('./messages.js').MessageList} o.messages
   * @param {import('./message-menu.js').MessageMenu} o.menu
   * @param {import('./reply.js').ReplyBar} o.reply
   * @param {import('./message-edit.js').MessageEditor} o.editor
   * @param {import('./confirm.js').ConfirmDialog} o.confirm
   * @param {(frame: object) => boolean} o.send  false when offline
   * @param {(roomId: number, messageId: number) => void} o.jump
   * @param {import('./notify.js').Toasts} o.toasts
   */
  constructor(o) {
    Object.assign(this, o);
    const { scroller, list, messages } = o;

    list.addEventListener('mouseover', (event) => {
      const node = event.target.closest?.('li.msg[data-id]');
      if (node) this.ensureToolbar(node);
    });
    list.addEventListener('focusin', (event) => {
      const node = event.target.closest?.('li.msg[data-id]');
      if (node) this.ensureToolbar(node);
    });
    list.addEventListener('click', (event) => this.handleClick(event));
    scroller.addEventListener('keydown', (event) => this.handleKey(event));
    onLongPress(list, (target) => (target.closest?.('button, a, textarea') ? null : target.closest?.('li.msg[data-id]')),
      (node) => this.openMenu(node, node));
    // A message re-rendered under the focus (pinned, a reaction) gets the focus back on the same control.
    messages.view.onReplaced = (old, node, focused) => this.refocus(node, focused);
  }

  /** What I may do with `message`. */
  allowedFor(message) {
    const room = this.room();
    const own = Number(message.user?.id) === this.me.id;
    const creator = room !== null && room.created_by !== null && room.created_by === this.me.id;
    return ACTIONS.filter((action) => action.allowed({ own, creator, message }));
  }

  /** The toolbar of the message `node` shows, built (or rebuilt for what changed) when it is first needed. */
  ensureToolbar(node) {
    const message = this.messages.get(node.dataset.id);
    if (!message) return;
    const actions = this.allowedFor(message).filter((action) => !action.menuOnly);
    const key = actions.map((a) => a.id).join(' ');
    const existing = node.querySelector(':scope > .msg-toolbar');
    if (existing?.dataset.actions === key) return;
    const toolbar = h('div', { class: 'msg-toolbar', role: 'group', 'aria-label': t('message.actions'), dataset: { actions: key } },
      ...actions.map((action) => h('button', {
        class: `icon-btn msg-toolbar__btn${action.danger ? ' icon-btn--danger' : ''}`,
        type: 'button',
        title: action.label(),
        'aria-label': action.label(),
        dataset: { action: action.id },
      }, icon(action.icon))));
    if (existing) existing.replaceWith(toolbar);
    else node.append(toolbar);
  }

  /** Opens the menu of the message `node` (a long press, the keyboard); focus goes back to `returnFocus`. */
  openMenu(node, returnFocus) {
    const message = this.messages.get(node.dataset.id);
    if (!message) return;
    const actions = this.allowedFor(message).map((a) => ({ id: a.id, icon: a.icon, label: a.label(), danger: a.danger }));
    this.menu.open({
      preview: `${authorOf(message).username}: ${excerptOf(message.content)}`,
      actions,
      returnFocus,
      onPick: (id) => this.run(id, message.id, node.isConnected ? node : this.messages.view.nodes.get(message.id)),
    });
  }

  handleClick(event) {
    const node = event.target.closest('li.msg[data-id]');
    if (!node) return;
    const id = Number(node.dataset.id);
    const quote = event.target.closest('.msg__reply[data-reply-id]');
    if (quote) {
      this.jump(this.room()?.id, Number(quote.dataset.replyId));
      return;
    }
    const chip = event.target.closest('.reaction[data-emoji]');
    if (chip) {
      this.toggleReaction(id, chip.dataset.emoji);
      return;
    }
    const button = event.target.closest('button[data-action]');
    if (button) this.run(button.dataset.action, id, button);
  }

  /** ↑/↓ move between messages; Enter, the context-menu key or Shift+F10 on one open its menu. */
  handleKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.defaultPrevented) return;
    const node = event.target.closest?.('li.msg[data-id]');
    const onMessage = node && event.target === node;
    if ((event.key === 'ArrowUp' || event.key === 'ArrowDown') && !event.shiftKey && (onMessage || event.target === this.scroller)) {
      const nodes = [...this.list.querySelectorAll('li.msg[data-id]')];
      if (!nodes.length) return;
      let next;
      if (onMessage) next = nodes[nodes.indexOf(node) + (event.key === 'ArrowUp' ? -1 : 1)];
      else next = event.key === 'ArrowUp' ? lastVisible(nodes, this.scroller) : firstVisible(nodes, this.scroller);
      if (!next) return;
      event.preventDefault();
      next.focus();
      next.scrollIntoView({ block: 'nearest' });
    } else if (onMessage && (event.key === 'Enter' || event.key === 'ContextMenu' || (event.key === 'F10' && event.shiftKey))) {
      event.preventDefault();
      this.openMenu(node, node);
    }
  }

  /** Runs action `action` on message `id`; `from` is the control (or message) it came from. */
  async run(action, id, from) {
    const message = this.messages.get(id);
    if (!message) return;
    switch (action) {
      case 'react':
        openEmojiPicker(from, { onPick: (emoji) => this.toggleReaction(id, emoji) });
        break;
      case 'reply':
        this.reply.start(message);
        break;
      case 'edit':
        this.editor.start(id);
        break;
      case 'pin':
      case 'unpin':
        this.sendFrame({ type: `${action}_message`, message_id: id });
        break;
      case 'link':
        if (await copyText(messageUrl(this.room()?.id, id))) this.toasts.success(t('message.link-copied'));
        else this.toasts.error(t('message.copy-failed'));
        break;
      case 'copy':
        if (await copyText(String(message.content ?? ''))) this.toasts.success(t('message.text-copied'));
        else this.toasts.error(t('message.copy-failed'));
        break;
      case 'delete':
        await this.confirmDelete(message);
        break;
      default:
        break;
    }
  }

  /** Asks, then deletes `message`. */
  async confirmDelete(message) {
    const yes = await this.confirm.ask({
      title: t('delete.title'),
      text: t('delete.text'),
      quote: `${authorOf(message).username}: ${excerptOf(message.content)}`,
      ok: t('delete.confirm'),
    });
    if (yes) this.sendFrame({ type: 'delete_message', message_id: message.id });
  }

  /** My reaction `emoji` on message `id`: added, or taken back when it is there. */
  toggleReaction(id, emoji) {
    const mine = (this.messages.get(id)?.reactions ?? []).some((r) => r.emoji === emoji && r.me);
    this.sendFrame({ type: mine ? 'remove_reaction' : 'add_reaction', message_id: id, emoji });
  }

  sendFrame(frame) {
    if (!this.send(frame)) this.toasts.error(t('message.offline'));
  }

  /** After `node` replaced the message's old <li>: the focus back on the same control in it. */
  refocus(node, focused) {
    if (!focused) return;
    if (focused.isConnected) {
      focused.focus({ preventScroll: true });
      return;
    }
    const { action, emoji } = focused.dataset ?? {};
    if (action) this.ensureToolbar(node);
    const same = action
      ? node.querySelector(`[data-action="${CSS.escape(action)}"]`)
      : emoji ? node.querySelector(`.reaction[data-emoji="${CSS.escape(emoji)}"]`) : null;
    (same ?? node).focus({ preventScroll: true });
  }
}

function firstVisible(nodes, scroller) {
  const top = scroller.getBoundingClientRect().top;
  return nodes.find((n) => n.getBoundingClientRect().bottom > top) ?? nodes[0];
}

function lastVisible(nodes, scroller) {
  const bottom = scroller.getBoundingClientRect().bottom;
  return [...nodes].reverse().find((n) => n.getBoundingClientRect().top < bottom) ?? nodes.at(-1);
}
