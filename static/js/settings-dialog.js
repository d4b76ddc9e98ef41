// settings-dialog.js — puts the settings dialog together: the dialog itself and its
// language (settings.js), then a module per section — the avatar, the profile, the
// password, notifications and the people blocked — each told when the dialog opens.
import { Settings } from './settings.js';
import { AvatarSettings } from './avatar-settings.js';
import { ProfileSettings } from './profile-settings.js';
import { PasswordSettings } from './password-settings.js';
import { BlockedList } from './blocked-list.js';
import { byId } from './dom.js';
import { t } from './i18n.js';

/**
 * @param {object} o
 * @param {{id:number}} o.me  the signed-in user
 * @param {import('./notify.js').Toasts} o.toasts
 * @param {import('./blocks.js').Blocks} o.blocks
 * @param {import('./notifications.js').Notifications} o.notifications  the notifications section
 * @param {() => void} o.onMe  show our own strip again (a new avatar)
 * @param {(saved: object) => void} o.onProfileSaved  the profile as saved
 * @returns {Settings}
 */
export function settingsDialog({ me, toasts, blocks, notifications, onMe, onProfileSaved }) {
  return new Settings({
    button: byId('open-settings'),
    dialog: byId('settings-dialog'),
    form: byId('settings-form'),
    language: byId('settings-lang'),
    onSaveFailed: () => toasts.error(t('lang.save-failed')),
    sections: [
      new AvatarSettings({ me, onChanged: onMe }),
      new ProfileSettings({
        form: byId('profile-form'),
        city: byId('profile-city'),
        privacy: byId('profile-city-privacy'),
        about: byId('profile-about'),
        counter: byId('profile-about-counter'),
        status: byId('profile-status'),
        save: byId('profile-save'),
        onSaved: onProfileSaved,
      }),
      new PasswordSettings({
        form: byId('password-form'),
        current: byId('password-current'),
        next: byId('password-new'),
        confirm: byId('password-confirm'),
        status: byId('password-status'),
        save: byId('password-save'),
      }),
      notifications,
      new BlockedList({ list: byId('blocked-list'), empty: byId('blocked-empty'), status: byId('blocked-status'), blocks }),
    ],
  });
}
