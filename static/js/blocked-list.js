// blocked-list.js — owns the «Заблокированные» section of the settings dialog:
// the people I blocked (the most recent first, each with their city) and a
// «Разблокировать» button for each. It draws what blocks.js knows, reads the
// list again when the dialog opens, and redraws when a block changes anywhere
// (another device included) or the language switches. Unblocking goes through
// the `discock:unblock` event, like every other place that asks for it.
import { h } from './dom.js';
import { t, onLangChange } from './i18n.js';
import { avatar, cityBadge } from './people.js';

export class BlockedList {
  /**
   * @param {object} o
   * @param {HTMLUListElement} o.list  the <ul> of blocked people
   * @param {HTMLElement} o.empty  the line saying nobody is blocked
   * @param {HTMLElement} o.status  where a failure to load the list is said
   * @param {import('./blocks.js').Blocks} o.blocks
   */
  constructor({ list, empty, status, blocks }) {
    Object.assign(this, { list, empty, status, blocks });
    blocks.onChange(() => this.render());
    onLangChange(() => this.render());
    this.render();
  }

  /** The dialog opened: show what is known at once, then what the server says now. */
  opened() {
    this.render();
    this.blocks.refresh();
  }

  render() {
    const { users, failed } = this.blocks;
    this.status.hidden = !failed;
    this.status.textContent = failed ? t('blocks.load-failed', { reason: failed.message }) : '';
    this.empty.hidden = Boolean(failed) || users.length > 0;
    // Keep the focus in the list when the button that had it goes with its row.
    const hadFocus = this.list.contains(document.activeElement);
    this.list.replaceChildren(...users.map((user) => h('li', { class: 'blocked-list__item', dataset: { userId: user.id } },
      avatar(user, 'sm'),
      h('span', { class: 'blocked-list__name', text: user.username }),
      cityBadge(user),
      h('button', {
        class: 'btn btn--ghost btn--small',
        type: 'button',
        text: t('blocks.unblock'),
        'aria-label': t('blocks.unblock-label', { name: user.username }),
        onClick: () => document.dispatchEvent(new CustomEvent('discock:unblock', { detail: { user } })),
      }))));
    if (hadFocus && !this.list.contains(document.activeElement)) {
      (this.list.querySelector('button') ?? document.getElementById('settings-done'))?.focus();
    }
  }
}
