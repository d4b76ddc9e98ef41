// profile-card.js — owns the profile card: a click on a person's name or avatar
// anywhere in the chat (an element with data-profile-id: message headers, the
// member list) opens a small dialog with their avatar, name, city, presence,
// about text and the day they joined, read from GET /api/users/{id} (the presence, which
// then follows live, is presence.js's). On someone
// else's card, «Написать» and «Заблокировать» only announce the wish as DOM
// events (`discock:write-to`, `discock:block`, detail {user}) for whichever
// module handles them. Escape or a click outside closes it, and the focus goes
// back to where it was. Someone else's card says what time it is where they are (ticking
// each minute while open, clock.js) and about how far away they live.
import * as api from './api.js';
import { h } from './dom.js';
import { t, lang, onLangChange } from './i18n.js';
import { avatar, cityBadge } from './people.js';
import { icon } from './icons.js';
import { showModal, closeModal } from './dialog.js';
import { presences, presenceDot, presenceText } from './presence.js';
import { localTime, formatDistance } from './local-time.js';
import { onEachMinute } from './clock.js';

export class ProfileCard {
  /**
   * @param {object} o
   * @param {HTMLDialogElement} o.dialog
   * @param {HTMLElement} o.content  filled with the card
   * @param {{id:number}} o.me
   * @param {HTMLElement} o.fallbackFocus  where focus goes when the opener is gone
   */
  constructor({ dialog, content, me, fallbackFocus }) {
    Object.assign(this, { dialog, content, me, fallbackFocus });
    /** The profile shown (null while loading or after a failure). */
    this.profile = null;
    /** Id of the user whose card is open or loading. */
    this.userId = null;
    /** The error shown, or null. */
    this.failed = null;
    this.returnFocus = null;
    /** Bumped at each opening, so a late answer for an earlier card is dropped. */
    this.token = 0;
    /** The open card's local-time line, redrawn each minute (null: none shown). */
    this.clock = null;
    onEachMinute((now) => {
      if (this.clock && this.dialog.open) this.clock.textContent = this.localTimeText(now) ?? '';
    });

    document.addEventListener('click', (event) => {
      const opener = event.target instanceof Element ? event.target.closest('[data-profile-id]') : null;
      if (!opener || this.dialog.contains(opener)) return;
      const id = Number(opener.dataset.profileId);
      if (!Number.isSafeInteger(id) || id <= 0) return;
      event.preventDefault();
      this.open(id, opener);
    });
    // A click on the dimmed backdrop (the <dialog> itself, outside the card) closes it.
    dialog.addEventListener('click', (event) => {
      if (event.target === dialog) this.close();
    });
    dialog.addEventListener('close', () => this.closed());
    onLangChange(() => {
      if (this.dialog.open) this.render();
    });
  }

  /** Opens the card of user `id`; `opener` is what was clicked. */
  async open(id, opener) {
    const token = ++this.token;
    this.userId = id;
    this.profile = null;
    this.failed = null;
    if (!this.dialog.open) this.returnFocus = focusTarget(opener);
    this.render();
    showModal(this.dialog);
    this.content.querySelector('.profile-card__close')?.focus();
    try {
      const profile = await api.getUser(id);
      if (token !== this.token) return;
      this.profile = profile;
      presences.set(profile.id, profile.presence);
    } catch (err) {
      if (token !== this.token) return;
      this.failed = err?.message || t('profile.load-failed');
    }
    if (this.dialog.open) this.render();
  }

  /**
   * A user changed their profile (user_updated): an open card of theirs shows it. What the
   * server worked out from their former city (local time, distance) goes with it: they moved
   * or show less of it now; a card opened again reads it anew.
   */
  updated(user) {
    if (!this.profile || Number(user.id) !== Number(this.profile.id)) return;
    const moved = (user.city_id ?? null) !== (this.profile.city_id ?? null)
      || (user.timezone ?? null) !== (this.profile.timezone ?? null);
    this.profile = { ...this.profile, ...user };
    if (moved) Object.assign(this.profile, { local_time: null, distance_km: null });
    if (this.dialog.open) this.render();
  }

  close() {
    closeModal(this.dialog);
    if (typeof this.dialog.close !== 'function') this.closed();
  }

  closed() {
    this.token += 1;
    const back = this.returnFocus;
    this.returnFocus = null;
    const reachable = back?.isConnected && back !== document.body && !back.closest('[inert], [hidden]');
    (reachable ? back : this.fallbackFocus)?.focus({ preventScroll: true });
  }

  /** «Местное время: 14:05» for the open profile at `now`; null when their time zone does not show. */
  localTimeText(now = new Date()) {
    const p = this.profile;
    if (!p || Number(p.id) === this.me.id) return null;
    // The zone makes the clock tick; the server's own reading is there for a zone this browser lacks.
    const time = (p.timezone && localTime(p.timezone, now, lang)) || p.local_time?.time;
    return time ? t('localtime.card', { time }) : null;
  }

  render() {
    const hadFocus = this.content.contains(document.activeElement);
    const close = h('button', {
      class: 'icon-btn profile-card__close', type: 'button',
      title: t('common.close'), 'aria-label': t('common.close'), onClick: () => this.close(),
    }, icon('x'));
    const p = this.profile;
    let body;
    if (p) {
      const mine = Number(p.id) === this.me.id;
      const user = { id: Number(p.id), username: p.username, city: p.city, avatar_url: p.avatar_url ?? null };
      const announce = (type) => () => {
        document.dispatchEvent(new CustomEvent(type, { detail: { user } }));
        this.close();
      };
      const clockText = this.localTimeText();
      this.clock = clockText ? h('p', { class: 'profile-card__time muted', text: clockText }) : null;
      const distance = mine ? null : formatDistance(p.distance_km, lang);
      body = [
        h('div', { class: 'profile-card__head' },
          h('div', { class: 'member__avatar profile-card__avatar' },
            avatar(user),
            presenceDot(p.id, 'profile-card__dot', { decorative: true })),
          h('div', { class: 'profile-card__who' },
            h('h2', { class: 'dialog__title profile-card__name', id: 'profile-card-name', text: p.username }),
            cityBadge(p),
            presenceText(p.id, { class: 'profile-card__presence muted' }))),
        this.clock,
        distance ? h('p', { class: 'profile-card__distance muted', text: t('localtime.distance', { distance }) }) : null,
        p.about ? h('p', { class: 'profile-card__about', text: p.about }) : null,
        h('p', { class: 'profile-card__since muted', text: t('profile.since', { date: joinedOn(p.created_at) }) }),
        mine ? null : h('div', { class: 'profile-card__actions' },
          h('button', { class: 'btn btn--primary btn--small profile-card__write', type: 'button', text: t('profile.write'), onClick: announce('discock:write-to') }),
          h('button', { class: 'btn btn--ghost btn--small profile-card__block', type: 'button', text: t('profile.block'), onClick: announce('discock:block') })),
      ];
    } else if (this.failed) {
      this.clock = null;
      body = [h('h2', { class: 'dialog__title', id: 'profile-card-name', text: t('profile.title') }),
        h('p', { class: 'form__error', role: 'alert', text: this.failed })];
    } else {
      this.clock = null;
      body = [h('h2', { class: 'dialog__title', id: 'profile-card-name', text: t('profile.title') }),
        h('p', { class: 'muted', role: 'status', text: t('profile.loading') })];
    }
    this.content.replaceChildren(close, ...body.filter(Boolean));
    // Redrawn under the focus (the profile arrived, the language changed): keep it in the card.
    if (hadFocus) close.focus();
  }
}

/** The day someone registered, as the language writes a date: «1 декабря 2026 г.» / "December 1, 2026". */
function joinedOn(createdAt) {
  return new Intl.DateTimeFormat(lang, { dateStyle: 'long' }).format(new Date(createdAt));
}

/** Where focus goes back to: the opener when it can hold focus, else the row it is in. */
function focusTarget(opener) {
  if (opener.matches('button, a, [tabindex]')) return opener;
  return opener.closest('li')?.querySelector('button[data-profile-id]') ?? opener.closest('[tabindex]') ?? document.activeElement;
}
