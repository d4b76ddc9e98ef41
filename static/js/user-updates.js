// user-updates.js — owns what a `user_updated` frame (someone changed their
// profile) does to the page: the new city shows wherever the person does — the
// member list, the headers of their messages already on the list (and those
// held back), an open profile card of theirs, and, when it is us, our own strip.

/**
 * @param {{id:number, username:string, city:string}} user  the user as they are now
 * @param {object} o
 * @param {{id:number, username:string, city:string}} o.me  updated in place when it is us
 * @param {() => void} o.onMe  show our own strip again
 * @param {import('./members.js').MemberList} o.members
 * @param {import('./messages.js').MessageList} o.messages
 * @param {import('./profile-card.js').ProfileCard} o.card
 */
export function applyUserUpdate(user, { me, onMe, members, messages, card }) {
  if (!user || user.id === undefined) return;
  const id = Number(user.id);
  if (id === me.id) {
    me.username = user.username ?? me.username;
    // A frame shows us as others see us: a city hidden from them leaves ours as it was.
    if (user.city) Object.assign(me, { city: user.city, city_id: user.city_id ?? null });
    if ('avatar_url' in user) me.avatar_url = user.avatar_url ?? null;
    onMe();
  }
  members.update(user);
  card.updated(user);
  let shown = false;
  for (const [store, onList] of [[messages.model.byId, true], [messages.model.held, false]]) {
    for (const message of store.values()) {
      if (Number(message.user?.id) !== id) continue;
      message.user = { ...message.user, username: user.username, city: user.city, avatar_url: user.avatar_url ?? null };
      // Where they are now (the tooltip of their messages' times reads their zone), as far as they show it.
      for (const field of ['city_id', 'country', 'timezone']) if (field in user) message.user[field] = user[field];
      if (onList) shown = true;
    }
  }
  if (shown) messages.renderAll();
}
