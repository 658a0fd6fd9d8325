// Scenarios with the official socket.io-client against Switchboard, run by the Java tests:
//   node scenarios.mjs <scenario> <url> [<url2>] [<options JSON>]
// Each prints one line "RESULT <json>" with what the clients saw, and the Java test asserts on
// it. Every wait is bounded; the whole run gives up after 60 s.
import { io } from "socket.io-client";
import WebSocket from "ws";

const [scenario, url, url2, optionsJson] = process.argv.slice(2);
const options = optionsJson ? JSON.parse(optionsJson) : {};
const transports = options.transports || ["polling", "websocket"];
const clients = [];

setTimeout(() => {
  console.log("RESULT " + JSON.stringify({ error: "scenario timed out", trace }));
  process.exit(2);
}, 60_000).unref();

const trace = [];
function note(what) {
  trace.push(what);
}

function client(at, extra = {}) {
  const s = io(at, {
    forceNew: true,
    transports,
    reconnectionDelay: options.reconnectionDelay ?? 300,
    reconnectionDelayMax: options.reconnectionDelay ?? 300,
    randomizationFactor: 0,
    ...extra,
  });
  clients.push(s);
  return s;
}

function waitFor(what, condition, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const tick = () => {
      if (condition()) {
        resolve();
      } else if (Date.now() > deadline) {
        reject(new Error("timed out waiting for " + what));
      } else {
        setTimeout(tick, 10);
      }
    };
    tick();
  });
}

function connected(s) {
  return new Promise((resolve, reject) => {
    if (s.connected) {
      resolve();
      return;
    }
    s.once("connect", resolve);
    s.once("connect_error", reject);
  });
}

/** emit with an acknowledgement; resolves with the ack's arguments. */
function call(s, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no ack for " + event)), 10_000);
    s.emit(event, ...args, (...answer) => {
      clearTimeout(timer);
      resolve(answer);
    });
  });
}

async function ok(s, event, ...args) {
  const answer = await call(s, event, ...args);
  if (answer[0] !== null) {
    throw new Error(event + " refused: " + JSON.stringify(answer[0]));
  }
  return answer.slice(1);
}

/** Records an event's arguments; with recovery on, the last one is the offset (a string). */
function recorder(s, event) {
  const seen = [];
  s.on(event, (...args) => seen.push(args));
  return seen;
}

async function members(s, room) {
  const [list] = await ok(s, "sb:members", room);
  return list.map((m) => m.session).sort();
}

/** Polls an async check (bounded, 50 ms apart) until it returns true. */
async function until(what, check, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A WebSocket-JSON client (docs/websocket.md) that joins rooms and records the events it gets. */
async function wsJson(at, rooms) {
  const ws = new WebSocket(at.replace("http://", "ws://") + "/ws");
  const seen = [];
  const acks = new Map();
  let session = null;
  ws.on("message", (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === "welcome") session = m.session;
    else if (m.type === "ack") acks.set(m.id, m);
    else if (m.type === "event") seen.push(m);
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  let id = 1;
  for (const room of rooms) {
    const mine = id++;
    ws.send(JSON.stringify({ type: "join", room, id: mine }));
    await waitFor("ws-json join " + room, () => acks.has(mine));
  }
  await waitFor("ws-json welcome", () => session !== null);
  clients.push({ disconnect: () => ws.close() });
  return { session, seen, events: (name) => seen.filter((m) => m.event === name) };
}

const scenarios = {
  // A joins a room, loses its transport; events reach the room and A directly meanwhile; A
  // reconnects: same id, recovered, every event once and in order.
  async recover() {
    const a = client(url);
    const b = client(url);
    await Promise.all([connected(a), connected(b)]);
    const firstId = a.id;
    const firstRecovered = a.recovered;
    a.on("connect", () => note({ connect: a.id, recovered: a.recovered }));
    a.on("disconnect", (why) => note({ disconnect: why }));
    const news = recorder(a, "news");
    const direct = recorder(a, "direct");
    await ok(a, "sb:join", "r1");
    await ok(b, "sb:join", "r1");
    await ok(b, "sb:publish", "r1", "news", "n1");
    await ok(b, "sb:publish", "r1", "news", "n2");
    await waitFor("n1, n2", () => news.length === 2);

    const disconnectReason = new Promise((resolve) => a.once("disconnect", resolve));
    a.io.engine.close(); // the transport is cut; the client reconnects by itself
    const reason = await disconnectReason;
    await ok(b, "sb:publish", "r1", "news", "n3");
    await ok(b, "sb:publish", "r1", "news", "n4");
    b.emit("sb:send", firstId, "direct", "d1"); // no ack: with one it would be a peer ack
    await ok(b, "sb:publish", "r1", "news", "n5");
    const membersWhileAway = await members(b, "r1");
    const missedBeforeReconnect = news.length;

    await waitFor("reconnection", () => a.connected);
    await waitFor("n3 to n5", () => news.length >= 5);
    await ok(b, "sb:publish", "r1", "news", "n6");
    await waitFor("n6", () => news.length >= 6);
    await new Promise((r) => setTimeout(r, 200)); // nothing else, nothing twice
    return {
      firstId,
      firstRecovered,
      reason,
      secondId: a.id,
      recovered: a.recovered,
      bId: b.id,
      missedBeforeReconnect,
      membersWhileAway,
      membersAfter: await members(b, "r1"),
      news,
      direct,
      transport: a.io.engine.transport.name,
    };
  },

  // A reconnects too late (or after too many missed events): a new session, not in the room.
  async fresh() {
    const a = client(url);
    const b = client(url);
    await Promise.all([connected(a), connected(b)]);
    const firstId = a.id;
    const news = recorder(a, "news");
    await ok(a, "sb:join", "r1");
    await ok(b, "sb:join", "r1");
    await ok(b, "sb:publish", "r1", "news", "n1");
    await waitFor("n1", () => news.length === 1);
    const disconnectReason = new Promise((resolve) => a.once("disconnect", resolve));
    a.io.engine.close();
    await disconnectReason;
    for (let i = 2; i <= (options.missed ?? 2) + 1; i++) {
      await ok(b, "sb:publish", "r1", "news", "n" + i);
    }
    await waitFor("reconnection", () => a.connected, 20_000);
    const secondId = a.id;
    // After the old socket's time is up it leaves the room; poll for that (bounded).
    let after = await members(b, "r1");
    const deadline = Date.now() + 10_000;
    while (after.includes(firstId) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      after = await members(b, "r1");
    }
    await ok(b, "sb:publish", "r1", "news", "late");
    await new Promise((r) => setTimeout(r, 300));
    return { firstId, secondId, recovered: a.recovered, bId: b.id, membersAfter: after, news };
  },

  // Two nodes: rooms, broadcast, a direct message and a peer ack across them; then recovery of a
  // socket on node B while node A publishes; then a pid taken to the other node.
  async cluster() {
    const a1 = client(url);
    const b1 = client(url2);
    const b2 = client(url2);
    await Promise.all([connected(a1), connected(b1), connected(b2)]);
    const room = recorder(b1, "room-news");
    const roomA = recorder(a1, "room-news");
    const everyoneA = recorder(a1, "everyone");
    const everyoneB1 = recorder(b1, "everyone");
    const everyoneB2 = recorder(b2, "everyone");
    const dm = recorder(b2, "dm");
    b2.on("ask", (...args) => {
      const ack = args.pop();
      ack("answer to " + args[0]);
    });
    await ok(a1, "sb:join", "r");
    await ok(b1, "sb:join", "r");
    let roomMembersA = await members(a1, "r");
    for (const deadline = Date.now() + 10_000; roomMembersA.length < 2 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 50));
      roomMembersA = await members(a1, "r");
    }
    await ok(a1, "sb:publish", "r", "room-news", "from A");
    await ok(b2, "sb:broadcast", "everyone", "from B2");
    a1.emit("sb:send", b2.id, "dm", "hello B2");
    const peerAnswer = await call(a1, "sb:send", b2.id, "ask", "q1");
    await waitFor("room event on node B", () => room.length === 1);
    await waitFor("broadcast on both nodes", () => everyoneA.length === 1 && everyoneB1.length === 1);
    await waitFor("direct message on node B", () => dm.length === 1);

    // Recovery on node B while node A publishes.
    const b1First = b1.id;
    const gone = new Promise((resolve) => b1.once("disconnect", resolve));
    b1.io.engine.close();
    await gone;
    await ok(a1, "sb:publish", "r", "room-news", "missed 1");
    a1.emit("sb:send", b1First, "dm-b1", "missed direct");
    await ok(a1, "sb:publish", "r", "room-news", "missed 2");
    const membersWhileAway = await members(a1, "r");
    const dmB1 = recorder(b1, "dm-b1");
    await waitFor("b1 back", () => b1.connected);
    await waitFor("missed events on b1", () => room.length >= 3 && dmB1.length >= 1);

    // A pid from node B presented to node A: node A does not know it.
    const b2Pid = b2._pid;
    const b2Offset = b2._lastOffset;
    const stranger = client(url, { auth: { pid: b2Pid, offset: b2Offset } });
    await connected(stranger);

    await new Promise((r) => setTimeout(r, 200));
    return {
      a1: a1.id,
      b1First,
      b1Second: b1.id,
      b1Recovered: b1.recovered,
      b2: b2.id,
      roomMembersA,
      membersWhileAway,
      room,
      roomA,
      everyoneA,
      everyoneB1,
      everyoneB2,
      dm,
      dmB1,
      peerAnswer,
      b2Pid: b2Pid ?? null,
      strangerId: stranger.id,
      strangerRecovered: stranger.recovered,
    };
  },

  // Compression (SocketIoClientInteropApp's "big" and "length"): the official client over
  // WebSocket offers permessage-deflate (ws, threshold 0); what is negotiated, and the bytes a
  // large message takes on the TCP connection each way. Then Engine.IO long-polling spoken by
  // hand over Node's fetch (undici, which sends Accept-Encoding and inflates): a large payload
  // comes gzipped, a small one and one for a client that does not accept gzip do not.
  async compression() {
    const n = options.size ?? 300_000;
    const s = client(url, { transports: ["websocket"], perMessageDeflate: { threshold: 0 } });
    await connected(s);
    const ws = s.io.engine.transport.ws;
    const extensions = ws.extensions;
    const tcp = ws._socket;
    const got = [];
    s.on("big", (text) => got.push(text));
    const read0 = tcp.bytesRead;
    await ok(s, "big", n);
    await waitFor("the large message", () => got.length === 1);
    const wsBytesIn = tcp.bytesRead - read0;
    const written0 = tcp.bytesWritten;
    const [counted] = await ok(s, "length", "xyz".repeat(n / 3));
    const wsBytesOut = tcp.bytesWritten - written0;
    s.disconnect();

    const base = url + "/socket.io/?EIO=4&transport=polling";
    const get = async (query, acceptEncoding) => {
      const res = await fetch(base + query, { headers: { "accept-encoding": acceptEncoding } });
      const body = await res.text();
      return { body, encoding: res.headers.get("content-encoding"), length: Number(res.headers.get("content-length")) };
    };
    const post = async (sid, body) => {
      const res = await fetch(base + "&sid=" + sid, { method: "POST", body, headers: { "content-type": "text/plain" } });
      if (res.status !== 200) throw new Error("POST " + res.status + " " + (await res.text()));
    };
    const open = await get("", "gzip");
    const sid = JSON.parse(open.body.slice(1)).sid;
    await post(sid, "40");
    const connect = await get("&sid=" + sid, "gzip");
    await post(sid, '42["big",' + n + "]");
    const gzipped = await get("&sid=" + sid, "gzip"); // the ack and the large event
    await post(sid, '42["big",' + n + "]");
    const plain = await get("&sid=" + sid, "identity");
    const event = (body) => body.split("\x1e").find((p) => p.startsWith('42["big"'));
    return {
      extensions,
      received: got[0].length,
      wsBytesIn,
      counted,
      wsBytesOut,
      openEncoding: open.encoding,
      connectEncoding: connect.encoding,
      gzipEncoding: gzipped.encoding,
      gzipLength: gzipped.length,
      gzipEvent: JSON.parse(event(gzipped.body).slice(2))[1].length,
      plainEncoding: plain.encoding,
      plainLength: plain.length,
      plainEvent: JSON.parse(event(plain.body).slice(2))[1].length,
    };
  },

  // Two nodes with the test's application (SocketIoClusterTest.ClusterApp): a broadcast to
  // several rooms with exceptions reaches each member once on both nodes, whatever its protocol;
  // socketsJoin, socketsLeave, disconnectSockets and fetchSockets act on both nodes.
  async clusterOps() {
    const q = (who) => ({ query: { who } });
    const a1 = client(url, q("a1"));
    const a2 = client(url, q("a2"));
    const b1 = client(url2, q("b1"));
    const b2 = client(url2, q("b2"));
    const b3 = client(url2, q("b3"));
    const all = { a1, a2, b1, b2, b3 };
    await Promise.all(Object.values(all).map(connected));
    const multi = {};
    const single = {};
    const marker = {};
    const objects = {};
    for (const [name, s] of Object.entries(all)) {
      multi[name] = recorder(s, "multi");
      single[name] = recorder(s, "except-sid");
      objects[name] = recorder(s, "object");
      marker[name] = recorder(s, "marker");
    }
    const b3Gone = new Promise((resolve) => b3.once("disconnect", resolve));
    await ok(a1, "sb:join", "r1");
    await ok(a1, "sb:join", "r2");
    await ok(a2, "sb:join", "r2");
    await ok(a2, "sb:join", "x");
    await ok(b1, "sb:join", "r1");
    await ok(b1, "sb:join", "r2");
    await ok(b2, "sb:join", "r2");
    await ok(b2, "sb:join", "x");
    await ok(b3, "sb:join", "r3");
    const ws = await wsJson(url2, ["r1"]);
    // Every member is seen from node A before the broadcast (the joins crossed the cluster).
    let seenFromA = [];
    await until("members of r1 and r2 from node A", async () => {
      seenFromA = [await members(a1, "r1"), await members(a1, "r2")];
      return seenFromA[0].length === 3 && seenFromA[1].length === 5;
    });

    // to(r1, r2).except(x): a1, b1 (in both rooms: once), the ws-json client (r1), the framed
    // client of the Java test (r2, node B); not a2 and b2 (in x), not b3.
    const sent = await ok(a1, "bcast", ["r1", "r2"], ["x"], "multi", { k: 1 }, "two");
    // to(r1).except(<b1's id>): a1 and the ws-json client.
    const sent2 = await ok(a1, "bcast", ["r1"], [b1.id], "except-sid", "no b1");
    // One room, no exception: the room's channel; an object stays an object on node B.
    await ok(a1, "bcast", ["r1"], [], "object", { k: 2 }, [3]);
    // A marker for everyone, published after both: whoever got it would have got them.
    await ok(a1, "bcast", [], [], "marker", "end");
    await waitFor("the marker everywhere", () =>
      Object.values(marker).every((m) => m.length === 1) && ws.events("marker").length === 1);

    // socketsJoin from node A: the members of r2 on both nodes join "joined" (the framed one too).
    await ok(a1, "sockets-join", ["r2"], "joined");
    let fetched = [];
    const wanted = [a1.id, a2.id, b1.id, b2.id].sort().join();
    await until("socketsJoin on both nodes", async () => {
      fetched = (await ok(a1, "fetch", ["joined"]))[0];
      return fetched.map((s) => s.id).sort().join() === wanted;
    });
    const fetchedJoined = fetched;
    // socketsLeave from node B: the members of x leave "joined".
    await ok(b1, "sockets-leave", ["x"], "joined");
    const wanted2 = [a1.id, b1.id].sort().join();
    await until("socketsLeave on both nodes", async () => {
      fetched = (await ok(b2, "fetch", ["joined"]))[0];
      return fetched.map((s) => s.id).sort().join() === wanted2;
    });
    const fetchedAfterLeave = fetched;
    // disconnectSockets from node A: b3 (node B, room r3) is disconnected by the server.
    await ok(a1, "disconnect-sockets", ["r3"]);
    const b3Reason = await b3Gone;
    return {
      ids: Object.fromEntries(Object.entries(all).map(([k, s]) => [k, s.id])),
      sent,
      sent2,
      multi,
      single,
      marker,
      objects,
      wsSession: ws.session,
      wsMulti: ws.events("multi"),
      wsSingle: ws.events("except-sid"),
      fetchedJoined,
      fetchedAfterLeave,
      b3Reason,
    };
  },

  // A socket of node A loses its transport and its client reconnects to node B with its pid and
  // offset: node B takes the socket over (same id, rooms, missed events, recovered === true).
  async clusterRecover() {
    const a1 = client(url);
    const c1 = client(url);
    const b1 = client(url2);
    await Promise.all([connected(a1), connected(b1), connected(c1)]);
    const news = recorder(a1, "news");
    const direct = recorder(a1, "direct");
    await ok(a1, "sb:join", "rr");
    await ok(c1, "sb:join", "rr");
    await ok(b1, "sb:join", "rr");
    let m = [];
    await until("three members of rr seen from node B", async () => (m = await members(b1, "rr")).length === 3);
    await ok(b1, "sb:publish", "rr", "news", "n1");
    await waitFor("n1", () => news.length === 1);
    const firstId = a1.id;
    const gone = new Promise((resolve) => a1.once("disconnect", resolve));
    a1.io.uri = url2; // the next connection goes to node B
    a1.io.engine.close();
    const reason = await gone;
    await ok(b1, "sb:publish", "rr", "news", "n2");
    b1.emit("sb:send", firstId, "direct", "d1");
    await ok(c1, "sb:publish", "rr", "news", "n3");
    await waitFor("a1 back, on node B", () => a1.connected);
    const recovered = a1.recovered;
    const secondId = a1.id;
    await waitFor("n2, n3", () => news.length >= 3 && direct.length >= 1);
    // On node B now: room events from both nodes, a direct message from node A (its id still names node A).
    await ok(b1, "sb:publish", "rr", "news", "n4");
    await ok(c1, "sb:publish", "rr", "news", "n5");
    c1.emit("sb:send", firstId, "direct", "d2");
    await waitFor("n4, n5, d2", () => news.length >= 5 && direct.length >= 2);
    let membersFromA = [];
    await until("a1 in rr seen from node A", async () =>
      (membersFromA = await members(c1, "rr")).length === 3 && membersFromA.includes(firstId));
    const membersFromB = await members(b1, "rr");
    await ok(c1, "sb:publish", "rr", "news", "end");
    await waitFor("end", () => news.some((n) => n[0] === "end"));
    return {
      firstId,
      secondId,
      recovered,
      reason,
      transport: a1.io.engine.transport.name,
      news,
      direct,
      membersFromA,
      membersFromB,
      c1: c1.id,
      b1: b1.id,
    };
  },

  // Permissions from signed tokens (docs/security.md): options.tokens holds tokens the Java test
  // made with Nimbus; the server verifies them. Reports what each client was allowed and refused.
  permissions: async () => {
    const t = options.tokens;
    const refusedConnect = async (token) => {
      const s = client(url, token === undefined ? {} : { auth: { token } });
      s.io.reconnection(false);
      try {
        await connected(s);
        return { connected: true };
      } catch (e) {
        return { message: e.message, data: e.data };
      } finally {
        s.disconnect();
      }
    };
    const answer = async (s, event, ...args) => {
      const [err] = await call(s, event, ...args);
      return err === null ? "ok" : err.code ?? err;
    };
    const result = {};
    result.missing = await refusedConnect(undefined);
    result.forged = await refusedConnect(t.forged);
    result.wrongKey = await refusedConnect(t.wrongKey);
    result.expired = await refusedConnect(t.expired);
    result.banned = await refusedConnect(t.banned);
    const alice = client(url, { auth: { token: t.alice } });
    const bob = client(url, { auth: { token: t.bob } });
    const other = client(url, { auth: { token: t.other } });
    await Promise.all([connected(alice), connected(bob), connected(other)]);
    const bobGot = recorder(bob, "news");
    const aliceGot = recorder(alice, "news");
    result.aliceJoin = await answer(alice, "sb:join", "chat.a", { presence: true });
    result.aliceJoinOutside = await answer(alice, "sb:join", "ops.x");
    result.bobJoinPresence = await answer(bob, "sb:join", "chat.a", { presence: true });
    result.bobJoin = await answer(bob, "sb:join", "chat.a");
    result.otherJoin = await answer(other, "sb:join", "chat.a");
    result.otherJoinOwn = await answer(other, "sb:join", "other.a");
    result.alicePublish = await answer(alice, "sb:publish", "chat.a", "news", "from alice");
    await waitFor("bob gets alice's room event", () => bobGot.length === 1);
    result.bobPublish = await answer(bob, "sb:publish", "chat.a", "news", "from bob");
    result.aliceMembers = await answer(alice, "sb:members", "chat.a");
    result.bobMembers = await answer(bob, "sb:members", "chat.a");
    result.aliceBroadcast = await answer(alice, "sb:broadcast", "news", "alice to all");
    result.bobBroadcast = await answer(bob, "sb:broadcast", "news", "bob to all");
    await waitFor("alice gets bob's broadcast", () => aliceGot.length === 1);
    alice.emit("sb:send", bob.id, "news", "alice to bob"); // without an ack: no peer ack asked
    await waitFor("bob gets alice's direct event", () => bobGot.length === 2);
    result.bobSend = await answer(bob, "sb:send", alice.id, "news", "bob to alice");
    result.bobGot = bobGot.map((a) => a[0]);
    result.aliceGot = aliceGot.map((a) => a[0]);
    result.refreshOther = await answer(alice, "sb:refresh", t.bob);
    result.refreshForged = await answer(alice, "sb:refresh", t.forged);
    // A short token refreshed in time stays; one not refreshed ends with sb:error 419.
    const kept = client(url, { auth: { token: t.short } });
    const lapsed = client(url, { auth: { token: t.short } });
    lapsed.io.reconnection(false);
    kept.io.reconnection(false);
    await Promise.all([connected(kept), connected(lapsed)]);
    const lapsedErrors = recorder(lapsed, "sb:error");
    let lapsedReason = null;
    lapsed.on("disconnect", (reason) => (lapsedReason = reason));
    let keptReason = null;
    kept.on("disconnect", (reason) => (keptReason = reason));
    result.refresh = await answer(kept, "sb:refresh", t.refreshed);
    await waitFor("the lapsed client is disconnected", () => lapsedReason !== null, 15_000);
    result.lapsedError = lapsedErrors.map((a) => a[0]);
    result.lapsedReason = lapsedReason;
    result.keptAfterExpiry = kept.connected && keptReason === null;
    return result;
  },

  // A client without a token under the server's default policy (options.policy says which).
  policy: async () => {
    const s = client(url);
    s.io.reconnection(false);
    try {
      await connected(s);
    } catch (e) {
      return { connected: false, message: e.message, data: e.data };
    }
    const answer = async (event, ...args) => {
      const [err] = await call(s, event, ...args);
      return err === null ? "ok" : err.code ?? err;
    };
    const result = { connected: true };
    result.publishOutside = await answer("sb:publish", "lobby", "news", "x");
    result.join = await answer("sb:join", "lobby");
    result.publishInside = await answer("sb:publish", "lobby", "news", "y");
    result.broadcast = await answer("sb:broadcast", "news", "z");
    return result;
  },
};

try {
  const result = await scenarios[scenario]();
  console.log("RESULT " + JSON.stringify(result));
} catch (e) {
  console.log("RESULT " + JSON.stringify({ error: String(e && e.stack ? e.stack : e), trace }));
} finally {
  clients.forEach((s) => s.disconnect());
  setTimeout(() => process.exit(0), 50);
}
