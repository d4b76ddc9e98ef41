// avatar-settings.js — owns the avatar section of the settings dialog: choosing
// a picture (checked here for its type and size first, so the common mistakes
// are told at once), previewing it, uploading it, removing the avatar, and
// saying clearly what went wrong. The server makes the picture square and small
// itself; its answer (and the `user_updated` frame every page gets) shows the
// new avatar everywhere.
import { byId } from './dom.js';
import { t } from './i18n.js';
import { deleteAvatar, uploadAvatar } from './api.js';
import { paintAvatar, userUpdated } from './people.js';

/** What the server takes: these types, up to 5 MB. */
const TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/gif']);
const MAX_BYTES = 5 * 1024 * 1024;

/** The text for a refused upload, by the server's code (its own words otherwise). */
const REFUSALS = {
  payload_too_large: () => t('avatar.too-big'),
  invalid_image: () => t('avatar.not-image'),
  unsupported_media_type: () => t('avatar.not-image'),
};

export class AvatarSettings {
  /**
   * @param {object} o
   * @param {{id:number, username:string, avatar_url:?string}} o.me  the signed-in user (updated here)
   * @param {() => void} o.onChanged  the avatar changed: show `me` again
   */
  constructor({ me, onChanged }) {
    this.me = me;
    this.onChanged = onChanged;
    this.preview = byId('avatar-preview');
    this.file = byId('avatar-file');
    this.chooseButton = byId('avatar-choose');
    this.uploadButton = byId('avatar-upload');
    this.removeButton = byId('avatar-remove');
    this.status = byId('avatar-status');
    /** The file chosen and not uploaded yet. */
    this.chosen = null;

    // The file input is hidden; a plain button opens its picker (and keeps the focus ring).
    this.chooseButton.addEventListener('click', () => this.file.click());
    this.file.addEventListener('change', () => this.choose(this.file.files?.[0] ?? null));
    this.uploadButton.addEventListener('click', () => this.upload());
    this.removeButton.addEventListener('click', () => this.remove());
  }

  /** The dialog opened: show the current avatar, nothing chosen. */
  opened() {
    this.reset();
    this.say('');
  }

  reset() {
    this.chosen = null;
    this.file.value = '';
    this.uploadButton.hidden = true;
    this.removeButton.hidden = !this.me.avatar_url;
    paintAvatar(this.preview, this.me);
  }

  /** Shows `text` under the section; `error` marks it as a problem. */
  say(text, { error = false } = {}) {
    this.status.textContent = text;
    this.status.classList.toggle('avatar-settings__status--error', error);
  }

  choose(file) {
    if (!file) return;
    if (!TYPES.has(file.type)) {
      this.reset();
      this.say(t('avatar.not-image'), { error: true });
      return;
    }
    if (file.size > MAX_BYTES) {
      this.reset();
      this.say(t('avatar.too-big'), { error: true });
      return;
    }
    this.chosen = file;
    this.uploadButton.hidden = false;
    this.say(t('avatar.chosen', { name: file.name }));
    // A data: URL, which the page's CSP allows for images (blob: it does not).
    const reader = new FileReader();
    reader.addEventListener('load', () => {
      if (this.chosen !== file || typeof reader.result !== 'string') return;
      const img = document.createElement('img');
      img.className = 'avatar__picture';
      img.alt = t('avatar.preview');
      img.src = reader.result;
      img.addEventListener('error', () => {
        if (this.chosen !== file) return;
        this.reset();
        this.say(t('avatar.not-image'), { error: true });
      });
      this.preview.replaceChildren(img);
      this.preview.classList.add('avatar--picture');
    });
    reader.readAsDataURL(file);
  }

  async upload() {
    const file = this.chosen;
    if (!file) return;
    this.busy(true);
    this.say(t('avatar.uploading'));
    try {
      const { avatar_url: url } = await uploadAvatar(file);
      this.changed(url ?? null);
      this.say(t('avatar.saved'));
    } catch (err) {
      const refusal = Object.hasOwn(REFUSALS, err.code) ? REFUSALS[err.code] : null;
      this.say(refusal ? refusal() : err.message, { error: true });
    } finally {
      this.busy(false);
    }
  }

  async remove() {
    this.busy(true);
    try {
      await deleteAvatar();
      this.changed(null);
      this.say(t('avatar.removed'));
    } catch (err) {
      this.say(err.message, { error: true });
    } finally {
      this.busy(false);
    }
  }

  changed(url) {
    this.me.avatar_url = url;
    // Every avatar of ours on the page follows now, before the server's user_updated comes.
    userUpdated(this.me);
    this.reset();
    this.onChanged();
  }

  busy(on) {
    this.uploadButton.disabled = on;
    this.removeButton.disabled = on;
    this.chooseButton.disabled = on;
  }
}
