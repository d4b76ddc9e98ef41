// Peer for the Discock benchmarks: a `ws` room broadcast server that stores every message in
// SQLite (better-sqlite3, WAL, synchronous=NORMAL) before broadcasting it with the inserted rowid as
// its id, speaking Discock's frames without auth. Env: PORT (default 8091), DB_PATH (default
// bench-node.db in the working directory). Listens on 127.0.0.1; any path upgrades, clients use /ws.
'use strict';
const { WebSocketServer } = require('ws');
const Database = require('better-sqlite3');

const port = Number(process.env.PORT || 8091);
const db = new Database(process.env.DB_PATH || 'bench-node.db');
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(`CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, room_id INTEGER NOT NULL, content TEXT NOT NULL,
  client_id TEXT, created_at TEXT NOT NULL)`);
const insert = db.prepare('INSERT INTO messages (room_id, content, client_id, created_at) VALUES (?, ?, ?, ?)');
const user = { id: 0, username: 'node', city: 'node' };
const rooms = new Map(); // room id -> Set of sockets
function leave(id, ws) {
  const members = rooms.get(id);
  if (members?.delete(ws) && members.size === 0) rooms.delete(id);
}

const wss = new WebSocketServer({ host: '127.0.0.1', port, maxPayload: 64 * 1024, perMessageDeflate: false });
wss.on('connection', (ws) => {
  const joined = new Set();
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let frame;
    try { frame = JSON.parse(data); } catch { frame = null; }
    if (frame === null || typeof frame !== 'object') {
      ws.send('{"type":"error","code":"invalid_json","message":"unreadable frame"}');
    } else if (frame.type === 'join_room') {
      const id = frame.room_id;
      if (!rooms.has(id)) rooms.set(id, new Set());
      rooms.get(id).add(ws);
      joined.add(id);
      ws.send(JSON.stringify({ type: 'room_users_list', room_id: id, users: [] }));
    } else if (frame.type === 'leave_room') {
      leave(frame.room_id, ws);
      joined.delete(frame.room_id);
    } else if (frame.type === 'send_message') {
      const created_at = new Date().toISOString();
      const client_id = typeof frame.client_id === 'string' ? frame.client_id : null;
      const id = Number(insert.run(frame.room_id, String(frame.content), client_id, created_at).lastInsertRowid);
      const message = { id, room_id: frame.room_id, content: frame.content, client_id, created_at, user };
      const out = Buffer.from(JSON.stringify({ type: 'new_message', message })); // serialized once
      for (const peer of rooms.get(frame.room_id) ?? []) peer.send(out, { binary: false });
    } else if (frame.type === 'ping') {
      ws.send('{"type":"pong"}');
    }
  });
  ws.on('close', () => { for (const id of joined) leave(id, ws); });
  ws.on('error', () => {});
});
wss.on('listening', () => console.log(`listening on 127.0.0.1:${port}`));
