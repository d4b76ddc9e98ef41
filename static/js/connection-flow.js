// connection-flow.js — owns what the chat page does when its connection comes, goes and
// speaks: on (re)connecting it rejoins the open room from the last event it applied, reads
// back what no frame carries (unread counts, mutes, conversations, blocks) and sends what
// waited in the outbox; on losing it, it marks what it shows as stale; each frame goes to its
// handler and to the notifications.
export class ConnectionFlow {
  /**
   * @param {object} o  the page's pieces (see chat.js): state, resume, unread, notifications,
   *   dms, blocks, outbox, roomActions, members, typing, and `frames()` — the frame handlers,
   *   made after the socket.
   */
  constructor(o) {
    Object.assign(this, o);
  }

  async opened({ reconnected }) {
    // Rejoin the open room from lastSeq: the server replays what we missed, then goes on live.
    this.resume.connected({ reconnected });
    this.unread.refresh(); // what came while we were away is in no frame
    this.notifications.load();
    if (reconnected) this.dms.load(); // nor a conversation started meanwhile (the first load is loadRooms's)
    this.blocks.refresh(); // blocks made meanwhile on another device too
    if (!reconnected || this.state.currentRoomId === null) {
      this.outbox.flush();
      return;
    }
    // Room creations and deletions are not in a room's log: re-read the list before resending.
    await this.roomActions.refresh();
    this.outbox.flush();
  }

  lost() {
    this.resume.forgetConnection();
    this.members.markStale();
    this.typing.reset();
    this.outbox.requeue();
  }

  frame(frame) {
    // A type not listed is ignored: newer server, older page.
    this.frames().get(frame.type)?.(frame);
    this.notifications.frame(frame);
  }
}
