// The official socket.io-client (Node) against a Switchboard server running SocketIoInteropApp.
// Usage: node interop.mjs PORT FRAMED_SESSION_ID
// Prints one JSON line per check: {"check": NAME, "ok": true|false, "error": ...}, then
// {"done": true, "passed": N, "failed": M}. Exits 0 only when every check passed.
// Every wait is bounded; a watchdog ends the run after 120 s.
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

const [port, framedSession] = process.argv.slice(2);
const URL = `http://127.0.0.1:${port}`;
const WAIT = 10_000;
const open = new Set();
let passed = 0;
let failed = 0;

const watchdog = setTimeout(() => {
  report({ check: 'watchdog', ok: false, error: 'the run took over 120 s' });
  process.exit(3);
}, 120_000);

function report(line) {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function check(name, fn) {
  const started = Date.now();
  try {
    await withTimeout(fn(), 20_000, `check ${name}`);
    passed++;
    report({ check: name, ok: true, ms: Date.now() - started });
  } catch (e) {
    failed++;
    report({ check: name, ok: false, error: String(e && e.stack || e) });
  }
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** Resolves with the args of the next `event` on `emitter`. */
function next(emitter, event, ms = WAIT) {
  return withTimeout(new Promise((resolve) => emitter.once(event, (...args) => resolve(args))), ms, `event ${event}`);
}

/** Collects every `event` on `socket` from now on (for negative checks). */
function record(socket, event) {
  const got = [];
  socket.on(event, (...args) => got.push(args));
  return got;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A connected socket (rejects on connect_error); `welcome` holds the first "welcome" event if the namespace sends one. */
async function connect(nsp = '/', opts = {}) {
  const socket = io(URL + nsp, { forceNew: true, reconnection: false, ...opts });
  open.add(socket);
  const welcome = next(socket, 'welcome').catch(() => null);
  await withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  }), WAIT, `connect ${nsp}`);
  socket.welcome = welcome;
  return socket;
}

/** The connect_error a connection attempt ends with (fails if it connects). */
async function refused(nsp, opts = {}) {
  const socket = io(URL + nsp, { forceNew: true, reconnection: false, ...opts });
  open.add(socket);
  return withTimeout(new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error(`${nsp} connected, expected connect_error`)));
    socket.once('connect_error', (err) => resolve({ err, socket }));
  }), WAIT, `connect_error ${nsp}`);
}

/** Emits with an acknowledgement callback; resolves with every argument of the ack (emitWithAck keeps only one). */
function ack(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    socket.timeout(WAIT).emit(event, ...args, (err, ...answer) => (err ? reject(err) : resolve(answer)));
  });
}

/** Polls `fn` until it returns truthy (bounded). */
async function until(fn, what, ms = WAIT) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`not reached within ${ms} ms: ${what}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The same scenario over each client transport choice.
const MODES = {
  polling: { transports: ['polling'] },
  websocket: { transports: ['websocket'] },
  upgrade: { transports: ['polling', 'websocket'] },
};

for (const [mode, opts] of Object.entries(MODES)) {
  let s;
  await check(`${mode}/connect-default-namespace`, async () => {
    s = await connect('/', opts);
    const [w] = await s.welcome;
    assert.ok(w, 'no welcome event');
    assert.equal(w.id, s.id, 'the server id is the client socket.id');
    assert.equal(w.nsp, '/');
    if (mode === 'upgrade') {
      // the session opens on polling; the upgrade may complete before the namespace connects
      assert.ok(['polling', 'websocket'].includes(w.transport), w.transport);
    } else {
      assert.equal(w.transport, mode);
    }
    assert.deepEqual(w.rooms, [s.id]);
  });
  if (!s) continue;
  await check(`${mode}/transport-seen-by-server`, async () => {
    if (mode === 'upgrade') {
      if (s.io.engine.transport.name !== 'websocket') await next(s.io.engine, 'upgrade');
    } else {
      await sleep(300); // time to upgrade, if it (wrongly) would
    }
    const expected = mode === 'polling' ? 'polling' : 'websocket';
    assert.equal(s.io.engine.transport.name, expected);
    const [who] = await ack(s, 'whoami');
    assert.equal(who.transport, expected);
  });
  await check(`${mode}/ack-client-to-server`, async () => {
    const args = [1, 'two', { three: [3, 3.5] }, null, true, 'ünïcødé ✓'];
    assert.deepEqual(await ack(s, 'echo', ...args), args);
    assert.deepEqual(await ack(s, 'echo'), []);
    // the client's own promise API (resolves with the first argument)
    assert.equal(await s.timeout(WAIT).emitWithAck('echo', 'single', 'dropped'), 'single');
  });
  await check(`${mode}/ack-large-payload`, async () => {
    const big = 'x'.repeat(200_000);
    const [back] = await ack(s, 'echo', big);
    assert.equal(back.length, big.length);
    assert.equal(back, big);
  });
  await check(`${mode}/ack-client-timeout-without-handler`, async () => {
    const started = Date.now();
    await assert.rejects(s.timeout(300).emitWithAck('no-such-handler', 1), /operation has timed out/);
    assert.ok(Date.now() - started >= 250);
  });
  await check(`${mode}/ack-server-to-client`, async () => {
    s.on('question', (a, b, cb) => cb(a + b, 'sum', Buffer.from([7])));
    const [result] = await ack(s, 'ask', 'question', 3000, 20, 22);
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.equal(result.args[0], 42);
    assert.equal(result.args[1], 'sum');
    // A Buffer in the client's ack reaches the server as binary and comes back as binary.
    assert.ok(Buffer.isBuffer(result.args[2]), `ack Buffer came back as ${JSON.stringify(result.args[2])}`);
    assert.deepEqual([...result.args[2]], [7]);
  });
  await check(`${mode}/ack-server-to-client-timeout`, async () => {
    s.on('ignored', () => { /* never acknowledges */ });
    const started = Date.now();
    const [result] = await ack(s, 'ask', 'ignored', 300, 'x');
    assert.equal(result.ok, false);
    assert.equal(result.timeout, true, JSON.stringify(result));
    assert.ok(Date.now() - started >= 250, `timed out after ${Date.now() - started} ms`);
  });
  await check(`${mode}/buffer-client-to-server`, async () => {
    const [back, length] = await ack(s, 'reverse-bytes', Buffer.from([1, 2, 3, 0, 250]));
    assert.ok(Buffer.isBuffer(back), `got ${JSON.stringify(back)}`);
    assert.deepEqual([...back], [250, 0, 3, 2, 1]);
    assert.equal(length, 5);
  });
  await check(`${mode}/buffer-server-to-client`, async () => {
    const pushed = next(s, 'server-bytes');
    assert.deepEqual(await ack(s, 'push-bytes'), [true]);
    const [all, label, nested] = await pushed;
    assert.ok(Buffer.isBuffer(all));
    assert.equal(all.length, 256);
    all.forEach((b, i) => assert.equal(b, i));
    assert.equal(label, 'label');
    assert.equal(nested.label, 'nested');
    assert.ok(Buffer.isBuffer(nested.data));
    assert.deepEqual([...nested.data], [9, 8, 7]);
  });
  await check(`${mode}/custom-namespace-multiplexed`, async () => {
    const c = s.io.socket('/custom');
    open.add(c);
    const welcome = next(c, 'welcome');
    c.connect();
    await next(c, 'connect');
    const [w] = await welcome;
    assert.equal(w.nsp, '/custom');
    assert.equal(w.id, c.id);
    assert.notEqual(c.id, s.id);
    const [who] = await ack(c, 'whoami');
    assert.equal(who.nsp, '/custom');
    // "/" handlers are not "/custom"'s
    await assert.rejects(c.timeout(300).emitWithAck('echo', 1), /operation has timed out/);
    c.disconnect();
    assert.equal(s.connected, true, 'leaving /custom keeps / connected');
    assert.deepEqual(await ack(s, 'echo', 'still here'), ['still here']);
  });
  s.disconnect();
}

// ---------------------------------------------------------------------------------------------
// 2. Namespaces, middleware, handshake.
await check('namespace/dynamic', async () => {
  const d = await connect('/dyn-42');
  const [who] = await ack(d, 'whoami');
  assert.equal(who.nsp, '/dyn-42');
  d.disconnect();
});
await check('namespace/unknown-refused', async () => {
  const { err } = await refused('/nope');
  assert.equal(err.message, 'Invalid namespace');
});
await check('middleware/refusal-message-and-data', async () => {
  const { err, socket } = await refused('/private', { auth: { token: 'wrong' } });
  assert.equal(err.message, 'not authorized');
  assert.deepEqual(err.data, { reason: 'bad token', got: 'wrong' });
  assert.equal(socket.connected, false);
  const none = await refused('/private');
  assert.deepEqual(none.err.data, { reason: 'bad token', got: null });
});
await check('middleware/refusal-with-unsendable-data-still-answered', async () => {
  // The middleware passes refuse() data that cannot be sent (a Jackson MissingNode): the client
  // must still get an answer, not wait for its connection timeout.
  const { err } = await refused('/broken-refusal');
  assert.equal(err.message, 'not authorized');
  assert.equal(err.data, undefined);
});
await check('middleware/accepted', async () => {
  const p = await connect('/private', { auth: { token: 'let-me-in' } });
  const [who] = await ack(p, 'whoami');
  assert.equal(who.nsp, '/private');
  assert.deepEqual(who.auth, { token: 'let-me-in' });
  p.disconnect();
});
await check('handshake/query-and-auth', async () => {
  const h = await connect('/', { query: { q: 'héllo & more' }, auth: { user: 'u1', n: 5 } });
  const [w] = await h.welcome;
  assert.equal(w.q, 'héllo & more');
  assert.deepEqual(w.auth, { user: 'u1', n: 5 });
  h.disconnect();
});

// ---------------------------------------------------------------------------------------------
// 3. Rooms, broadcasts, direct messages (server-side API driven by events).
const [A, B, C] = await Promise.all([connect(), connect(), connect()]);
await check('rooms/join-and-emit-to-room', async () => {
  const [roomsA] = await ack(A, 'join', 'r1');
  assert.deepEqual(roomsA, [A.id, 'r1']);
  await ack(B, 'join', 'r1');
  const cGot = record(C, 'in-r1');
  const gotA = next(A, 'in-r1');
  const gotB = next(B, 'in-r1');
  assert.deepEqual(await ack(C, 'room-emit', 'r1', 'in-r1', [], 'x', { y: 1 }), [2]);
  assert.deepEqual(await gotA, ['x', { y: 1 }]);
  assert.deepEqual(await gotB, ['x', { y: 1 }]);
  await sleep(300);
  assert.deepEqual(cGot, [], 'C is not in r1');
});
await check('rooms/except', async () => {
  await ack(A, 'join', 'rx');
  const aGot = record(A, 'r1-not-rx');
  const gotB = next(B, 'r1-not-rx');
  assert.deepEqual(await ack(C, 'room-emit', 'r1', 'r1-not-rx', ['rx'], 5), [1]);
  assert.deepEqual(await gotB, [5]);
  // except a socket id, too
  const gotA = next(A, 'r1-not-b');
  const bGot = record(B, 'r1-not-b');
  assert.deepEqual(await ack(C, 'room-emit', 'r1', 'r1-not-b', [B.id], 6), [1]);
  assert.deepEqual(await gotA, [6]);
  await sleep(300);
  assert.deepEqual(aGot, []);
  assert.deepEqual(bGot, []);
});
await check('rooms/socket-to-room-excludes-sender', async () => {
  const aGot = record(A, 'from-a');
  const gotB = next(B, 'from-a');
  assert.deepEqual(await ack(A, 'socket-to', 'r1', 'from-a', 'hi'), [1]);
  assert.deepEqual(await gotB, ['hi']);
  await sleep(300);
  assert.deepEqual(aGot, []);
});
await check('rooms/broadcast-excludes-sender', async () => {
  const aGot = record(A, 'bc');
  const gotB = next(B, 'bc');
  const gotC = next(C, 'bc');
  await ack(A, 'socket-broadcast', 'bc', 1);
  assert.deepEqual(await gotB, [1]);
  assert.deepEqual(await gotC, [1]);
  await sleep(300);
  assert.deepEqual(aGot, []);
});
await check('rooms/leave', async () => {
  const [roomsB] = await ack(B, 'leave', 'r1');
  assert.deepEqual(roomsB, [B.id]);
  const bGot = record(B, 'after-leave');
  const gotA = next(A, 'after-leave');
  assert.deepEqual(await ack(C, 'room-emit', 'r1', 'after-leave', []), [1]);
  await gotA;
  await sleep(300);
  assert.deepEqual(bGot, []);
});
await check('rooms/fetch-sockets-and-sockets-join', async () => {
  assert.deepEqual(await ack(C, 'fetch-room', 'r1'), [[A.id]]);
  await ack(C, 'sockets-join', 'r1', 'r2');
  await until(async () => (await ack(A, 'whoami'))[0].rooms.includes('r2'), 'A in r2');
  const gotA = next(A, 'in-r2');
  assert.deepEqual(await ack(C, 'room-emit', 'r2', 'in-r2', [], 'z'), [1]);
  assert.deepEqual(await gotA, ['z']);
});
await check('direct/to-socket-id', async () => {
  const cGot = record(C, 'dm');
  const gotB = next(B, 'dm');
  assert.deepEqual(await ack(A, 'dm', B.id, 'psst'), [1]);
  assert.deepEqual(await gotB, [A.id, 'psst']);
  await sleep(300);
  assert.deepEqual(cGot, []);
});
await check('disconnect/by-server', async () => {
  const d = await connect();
  const reason = next(d, 'disconnect');
  d.emit('disconnect-me');
  assert.equal((await reason)[0], 'io server disconnect');
  assert.deepEqual(await ack(A, 'last-disconnect'), ['/ server namespace disconnect']);
});
await check('disconnect/by-client', async () => {
  const d = await connect('/custom');
  d.disconnect();
  await until(async () => (await ack(A, 'last-disconnect'))[0] === '/custom client namespace disconnect',
    'the server saw the client disconnect');
});
for (const s of [A, B, C]) s.disconnect();

// ---------------------------------------------------------------------------------------------
// 4. The standalone relay (reserved sb:* events), Socket.IO clients only.
const [R1, R2] = await Promise.all([connect(), connect()]);
await check('relay/join-presence-members', async () => {
  assert.deepEqual(await ack(R1, 'sb:join', 'relay-room', { presence: true }), [null]);
  const joined = next(R1, 'sb:joined');
  assert.deepEqual(await ack(R2, 'sb:join', 'relay-room'), [null]);
  assert.deepEqual(await joined, [{ room: 'relay-room', session: R2.id, name: '' }]);
  const [err, members] = await ack(R2, 'sb:members', 'relay-room');
  assert.equal(err, null);
  assert.deepEqual(members.map((m) => m.session).sort(), [R1.id, R2.id].sort());
});
await check('relay/members-pages', async () => {
  const [err, first] = await ack(R2, 'sb:members', 'relay-room', { limit: 1 });
  assert.equal(err, null);
  assert.equal(first.members.length, 1);
  assert.equal(first.next, first.members[0].session);
  const [, second] = await ack(R2, 'sb:members', 'relay-room', { limit: 1, after: first.next });
  assert.equal(second.members.length, 1);
  assert.equal(second.next, '0', 'the last page');
  assert.deepEqual([first.members[0].session, second.members[0].session].sort(), [R1.id, R2.id].sort());
  const [bad] = await ack(R2, 'sb:members', 'relay-room', { limit: 0 });
  assert.equal(bad.name, 'MALFORMED_BODY');
});
await check('relay/publish-excludes-sender', async () => {
  const r2Got = record(R2, 'news');
  const got = next(R1, 'news');
  assert.deepEqual(await ack(R2, 'sb:publish', 'relay-room', 'news', 'a', { b: 2 }), [null]);
  assert.deepEqual(await got, ['a', { b: 2 }]);
  await sleep(300);
  assert.deepEqual(r2Got, []);
});
await check('relay/publish-buffer', async () => {
  const got = next(R1, 'blob');
  await ack(R2, 'sb:publish', 'relay-room', 'blob', Buffer.from([0, 255, 1]));
  const [blob] = await got;
  assert.ok(Buffer.isBuffer(blob));
  assert.deepEqual([...blob], [0, 255, 1]);
});
await check('relay/broadcast', async () => {
  const r2Got = record(R2, 'everyone');
  const got = next(R1, 'everyone');
  assert.deepEqual(await ack(R2, 'sb:broadcast', 'everyone', 7), [null]);
  assert.deepEqual(await got, [7]);
  await sleep(300);
  assert.deepEqual(r2Got, []);
});
await check('relay/send-with-peer-ack', async () => {
  R1.on('knock', (x, cb) => cb(`got ${x}`));
  assert.deepEqual(await ack(R2, 'sb:send', R1.id, 'knock', 'hi'), [null, 'got hi']);
  // without an ack callback: just delivered
  const got = next(R1, 'note');
  R2.emit('sb:send', R1.id, 'note', 'fyi');
  assert.deepEqual(await got, ['fyi']);
});
await check('relay/leave-notice', async () => {
  const left = next(R1, 'sb:left');
  assert.deepEqual(await ack(R2, 'sb:leave', 'relay-room'), [null]);
  assert.deepEqual(await left, [{ room: 'relay-room', session: R2.id, name: '' }]);
});
await check('relay/errors', async () => {
  const [e1] = await ack(R1, 'sb:join', 42);
  assert.equal(e1.code, 201);
  assert.equal(e1.name, 'MALFORMED_BODY');
  assert.equal(typeof e1.message, 'string');
  const [e2] = await ack(R1, 'sb:bogus');
  assert.equal(e2.code, 200);
  assert.equal(e2.name, 'UNKNOWN_OPCODE');
});
R1.disconnect();
R2.disconnect();

// ---------------------------------------------------------------------------------------------
// 5. One room, three protocols: this Socket.IO client, a WebSocket-JSON client (ws), and the
//    framed client the JVM runs (FramedPeer, already in room "mixed" with presence).
class WsJson {
  constructor() {
    this.ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    this.queue = [];
    this.waiters = [];
    this.ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      const i = this.waiters.findIndex((w) => w.match(msg));
      if (i >= 0) this.waiters.splice(i, 1)[0].resolve(msg);
      else this.queue.push(msg);
    });
  }
  send(obj) { this.ws.send(JSON.stringify(obj)); }
  /** The first message (queued or coming) that matches. */
  next(match, what, ms = WAIT) {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]);
    return withTimeout(new Promise((resolve) => this.waiters.push({ match, resolve })), ms, `ws-json ${what}`);
  }
  close() { this.ws.close(); }
}
const isEvent = (name) => (m) => m.type === 'event' && m.event === name;

let S;
let W;
await check('mixed/three-protocols-join', async () => {
  S = await connect('/', { transports: ['polling', 'websocket'] });
  assert.deepEqual(await ack(S, 'sb:join', 'mixed', { presence: true }), [null]);
  W = new WsJson();
  const welcome = await W.next((m) => m.type === 'welcome', 'welcome');
  W.session = welcome.session;
  const sawJoin = next(S, 'sb:joined');
  W.send({ type: 'hello', name: 'ws-node', id: 1 });
  await W.next((m) => m.type === 'ack' && m.id === 1, 'hello ack');
  W.send({ type: 'join', room: 'mixed', id: 2 });
  await W.next((m) => m.type === 'ack' && m.id === 2, 'join ack');
  assert.deepEqual(await sawJoin, [{ room: 'mixed', session: W.session, name: 'ws-node' }]);
  const [err, members] = await ack(S, 'sb:members', 'mixed');
  assert.equal(err, null);
  const byName = Object.fromEntries(members.map((m) => [m.name, m.session]));
  assert.deepEqual(Object.keys(byName).sort(), ['', 'java-framed', 'ws-node']);
  assert.equal(byName['java-framed'], framedSession);
  assert.equal(byName['ws-node'], W.session);
  assert.equal(byName[''], S.id);
});
if (S && W) {
  await check('mixed/socketio-text-to-ws-and-framed', async () => {
    const sioAnswer = next(S, 'from-framed');
    assert.deepEqual(await ack(S, 'sb:publish', 'mixed', 'from-sio', 'hello from sio'), [null]);
    const ev = await W.next(isEvent('from-sio'), 'from-sio');
    assert.equal(ev.target, 'room');
    assert.equal(ev.room, 'mixed');
    assert.equal(ev.sender, S.id);
    assert.equal(ev.data, 'hello from sio');
    assert.deepEqual(await sioAnswer, ['framed saw from-sio: hello from sio']);
    const wsAnswer = await W.next((m) => m.type === 'event' && m.event === 'from-framed' && m.data.includes('from-sio'), 'from-framed');
    assert.equal(wsAnswer.sender, framedSession);
    assert.equal(wsAnswer.name, 'java-framed');
  });
  await check('mixed/ws-text-to-socketio-and-framed', async () => {
    const got = next(S, 'from-ws');
    const answer = next(S, 'from-framed');
    W.send({ type: 'publish', room: 'mixed', event: 'from-ws', data: 'hello from ws', id: 3 });
    await W.next((m) => m.type === 'ack' && m.id === 3, 'publish ack');
    assert.deepEqual(await got, ['hello from ws']);
    assert.deepEqual(await answer, ['framed saw from-ws: hello from ws']);
  });
  await check('mixed/buffer-across-protocols', async () => {
    const back = next(S, 'from-framed-bin');
    await ack(S, 'sb:publish', 'mixed', 'bin-sio', Buffer.from([0, 1, 2, 255]));
    const ev = await W.next(isEvent('bin-sio'), 'bin-sio');
    assert.equal(ev.encoding, 'base64');
    assert.deepEqual([...Buffer.from(ev.data, 'base64')], [0, 1, 2, 255]);
    const [reversed] = await back;
    assert.ok(Buffer.isBuffer(reversed), `framed bytes arrived as ${JSON.stringify(reversed)}`);
    assert.deepEqual([...reversed], [255, 2, 1, 0]);
    const wsBack = await W.next(isEvent('from-framed-bin'), 'from-framed-bin');
    assert.deepEqual([...Buffer.from(wsBack.data, 'base64')], [255, 2, 1, 0]);
  });
  await check('mixed/json-args-to-ws', async () => {
    await ack(S, 'sb:publish', 'mixed', 'json-sio', { a: 1 }, 2);
    const ev = await W.next(isEvent('json-sio'), 'json-sio');
    // Socket.IO arguments (not one string or Buffer) reach WebSocket-JSON clients as "args"
    assert.deepEqual(ev.args, [{ a: 1 }, 2]);
    assert.equal(ev.data, undefined);
  });
  await check('mixed/ws-json-events-to-socketio', async () => {
    // base64 from WS-JSON arrives at Socket.IO as a Buffer
    const got = next(S, 'ws-bin');
    W.send({ type: 'publish', room: 'mixed', event: 'ws-bin', data: Buffer.from([5, 0, 200]).toString('base64'), encoding: 'base64' });
    const [buf] = await got;
    assert.ok(Buffer.isBuffer(buf), `got ${JSON.stringify(buf)}`);
    assert.deepEqual([...buf], [5, 0, 200]);
  });
  await check('mixed/peer-ack-socketio-to-framed', async () => {
    assert.deepEqual(await ack(S, 'sb:send', framedSession, 'direct', 'knock'), [null, 'framed ack: knock']);
  });
  await check('mixed/peer-ack-ws-to-socketio', async () => {
    S.on('direct-ws', (x, cb) => cb(`sio ack: ${x}`));
    W.send({ type: 'send', session: S.id, event: 'direct-ws', data: 'hey', peerAck: true, id: 7 });
    const answer = await W.next((m) => m.type === 'ack' && m.id === 7, 'peer ack');
    assert.equal(answer.data, 'sio ack: hey');
  });
  await check('mixed/server-api-emit-reaches-every-protocol', async () => {
    const self = next(S, 'from-java');
    assert.deepEqual(await ack(S, 'room-emit', 'mixed', 'from-java', [], 'server says'), [3]);
    assert.deepEqual(await self, ['server says']);
    const ev = await W.next(isEvent('from-java'), 'from-java');
    assert.equal(ev.data, 'server says');
  });
  await check('mixed/ws-leave-notice-to-socketio', async () => {
    const left = next(S, 'sb:left');
    W.send({ type: 'leave', room: 'mixed', id: 9 });
    await W.next((m) => m.type === 'ack' && m.id === 9, 'leave ack');
    assert.deepEqual(await left, [{ room: 'mixed', session: W.session, name: 'ws-node' }]);
  });
}
W?.close();

for (const s of open) s.disconnect();
clearTimeout(watchdog);
report({ done: true, passed, failed });
process.exit(failed === 0 ? 0 : 1);
