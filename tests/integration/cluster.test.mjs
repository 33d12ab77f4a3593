// The hosted service: three tonari nodes on one PostgreSQL (the record) and one nats-server
// (fanout between nodes), all on 127.0.0.1. Users on different nodes chat in real time; a
// client resumes on another node with exactly what it missed; kill -9 of a node loses no
// acknowledged message; nats-server and PostgreSQL restarts under load are survived; a
// logout or a disabled account closes sockets on every node (docs/operations.md, "Hosted
// service"). Destructive tests come last; each leaves three running nodes behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { login, loginRaw, rawFetch, wsUpgradeResult, sleep, EVENT_TYPES } from './lib/client.mjs';
import { cleanupAll, installWatchdog, binaryExists, makeDataDir, TONARI_BIN, DEMO_TENANT } from './lib/server.mjs';
import { startCluster, onNode } from './lib/cluster.mjs';
import { assertError, assertStatus, createGroup, postMessage, fetchAllMessages, eventually } from './lib/util.mjs';

installWatchdog(300000);
after(cleanupAll);
if (!binaryExists()) throw new Error(`tonari binary not found at ${TONARI_BIN} (set TONARI_BIN)`);

let cluster;
let A;
let B;
let C;
// A request or a send is answered within this, whatever the cluster is going through.
const ANSWER_MS = 5000;
// Delivery between nodes, and recovery after a restart: generous, but bounded.
const DELIVERY_MS = 10000;
const RECOVERY_MS = 30000;
// How long a node may go on taking a session that ended on another node (accounts.h kCacheMs).
const SESSION_CACHE_MS = 5000;

before(async () => {
  // Floods from one user are what the load tests are made of: no per-user rates here.
  const dir = makeDataDir();
  const config = join(dir, 'limits.toml');
  writeFileSync(config, '[limits]\nmessages_per_second = 0\nwrites_per_second = 0\n');
  cluster = await startCluster({ nodes: 3, extraArgs: ['--config', config] });
  [A, B, C] = cluster.nodes;
});

function range(a, b) { const r = []; for (let i = a; i <= b; i++) r.push(i); return r; }

function countFor(frame, seq) {
  const p = frame.counts.find(([s]) => s === seq);
  return p ? p[1] : undefined;
}

// Event frames of `room` received between welcome and synced.
function replayed(ws, room) {
  assert.ok(ws.welcomeIndex >= 0 && ws.syncedIndex > ws.welcomeIndex, 'welcome then synced');
  return ws.log.slice(ws.welcomeIndex + 1, ws.syncedIndex).filter((f) => f.room === room && EVENT_TYPES.has(f.type));
}

async function roomEv(client, room) {
  const r = await client.get(`/api/rooms/${room}`);
  assertStatus(r, 200, `room ${room}`);
  return r.json.room.ev;
}

// Resolves once `ws` has received `room`'s event `ev` (live or replayed).
function eventReached(ws, room, ev, ms = DELIVERY_MS) {
  return ws.next((f) => f.room === room && EVENT_TYPES.has(f.type) && f.ev >= ev, ms,
    `${ws.label}: room ${room} event ${ev}`, { consume: false });
}

// `ws` saw every event of `room` after `from`, up to `to`, exactly once and in order.
function assertAllEventsOnce(ws, room, from, to) {
  const evs = ws.events(room).map((f) => f.ev);
  assert.deepEqual(ws.evErrors, [], `${ws.label}: gaps or duplicates`);
  assert.deepEqual(evs, range(from + 1, to), `${ws.label}: events of room ${room} must be ${from + 1}..${to} exactly once`);
}

// Resolves when pred() holds, checked whenever `emitter` ticks; rejects after `ms`.
function until(emitter, pred, ms, desc) {
  return new Promise((resolve, reject) => {
    if (pred()) { resolve(); return; }
    const check = () => {
      if (!pred()) return;
      clearTimeout(timer);
      emitter.off('tick', check);
      resolve();
    };
    const timer = setTimeout(() => {
      emitter.off('tick', check);
      reject(new Error(`timed out after ${ms} ms waiting for ${desc}`));
    }, ms);
    emitter.on('tick', check);
  });
}

// Pipelined sender over `ws`: keeps up to `window` sends of `items` ([{client_id, body}], in
// order) unacknowledged; resolves when all are answered, or those sent once stop() holds,
// or the socket closes. `onAck` runs after each ack.
function pipeline(ws, room, items, { window = 8, onAck, stop = () => false } = {}) {
  const sent = [];           // client_ids, in the order sent
  const acked = new Map();   // client_id → {seq, id}
  const errors = [];
  const inflight = new Set();
  let next = 0;
  const done = new Promise((resolve) => {
    const pump = () => {
      while (inflight.size < window && next < items.length && !stop()) {
        const { client_id, body } = items[next];
        if (!ws.send({ type: 'send', room, client_id, body })) break;
        sent.push(client_id);
        inflight.add(client_id);
        next += 1;
      }
      if ((next >= items.length || stop()) && inflight.size === 0) resolve();
    };
    ws.on((f) => {
      if ((f.type !== 'ack' && f.type !== 'error') || !inflight.has(f.client_id)) return;
      inflight.delete(f.client_id);
      if (f.type === 'ack') {
        acked.set(f.client_id, { seq: f.seq, id: f.id });
        if (onAck) onAck();
      } else {
        errors.push(f);
      }
      pump();
    });
    ws.closed.then(() => resolve());
    pump();
  });
  return { sent, acked, errors, done };
}

function items(label, from, to) {
  return range(from, to).map((i) => ({ client_id: `${label}-${i}`, body: `${label}の連絡${i}` }));
}

test('users on different nodes chat in real time; 既読 on one node shows on another', { timeout: 60000 }, async () => {
  const tanaka = await login(A, 'tanaka');
  const sato = await login(B, 'sato');
  const suzuki = await login(C, 'suzuki');
  const wsT = await tanaka.ws({ label: 'tanaka@A' });
  const wsS = await sato.ws({ label: 'sato@B' });

  // A room made on A while sato is connected to B: B learns of it (room.added) and
  // delivers its messages from then on.
  const G = (await createGroup(tanaka, 'ノード間の連絡', [sato.id, suzuki.id])).id;
  await wsS.next((f) => f.type === 'room.added' && f.room.id === G, DELIVERY_MS, 'room.added on B');
  const wsZ = await suzuki.ws({ label: 'suzuki@C' });
  const z0 = wsZ.cursors.get(G);
  assert.equal(typeof z0, 'number', 'welcome on C lists the room');

  // WS send on A: acked, and delivered on A, B and C.
  const k1 = wsT.sendMessage(G, '本庁舎から:会議は10時です');
  const a1 = await wsT.ack(k1);
  assert.equal(a1.type, 'ack', JSON.stringify(a1));
  for (const ws of [wsT, wsS, wsZ]) {
    const f = await ws.next((x) => x.type === 'message.created' && x.message.client_id === k1, DELIVERY_MS, `${k1} on ${ws.label}`);
    assert.equal(f.message.seq, a1.seq);
    assert.equal(f.message.id, a1.id);
    assert.equal(f.message.body, '本庁舎から:会議は10時です');
  }
  // Replies: over WS on B, over REST on C.
  const k2 = wsS.sendMessage(G, '支所:了解しました', { reply_to: a1.seq });
  const a2 = await wsS.ack(k2);
  assert.equal(a2.type, 'ack', JSON.stringify(a2));
  const m3 = await postMessage(suzuki, G, '出張所:参加します', { mentions: [tanaka.id] });
  for (const ws of [wsT, wsS, wsZ]) {
    const r2 = await ws.next((x) => x.type === 'message.created' && x.message.client_id === k2, DELIVERY_MS, `${k2} on ${ws.label}`);
    assert.equal(r2.message.reply_to.seq, a1.seq);
    const r3 = await ws.next((x) => x.type === 'message.created' && x.message.id === m3.id, DELIVERY_MS, `m3 on ${ws.label}`);
    assert.deepEqual(r3.message.mentions, [tanaka.id]);
  }
  // An edit on C reaches A and B.
  assertStatus(await suzuki.patch(`/api/rooms/${G}/messages/${m3.seq}`, { body: '出張所:参加します(15分遅れ)' }), 200);
  for (const ws of [wsT, wsS]) {
    const e = await ws.next((x) => x.type === 'message.edited' && x.message.id === m3.id, DELIVERY_MS, `edit on ${ws.label}`);
    assert.equal(e.message.body, '出張所:参加します(15分遅れ)');
  }

  // 既読: read on B (REST) and on C (WS frame); the sender, on A, gets the count.
  assertStatus(await sato.post(`/api/rooms/${G}/read`, { seq: a1.seq }), 200, 'read on B');
  wsZ.send({ type: 'read', room: G, seq: a1.seq });
  const reads = await wsT.next((f) => f.type === 'reads' && f.room === G && countFor(f, a1.seq) === 2, DELIVERY_MS, 'reads with count 2 on A');
  assert.equal(reads.ev, undefined);
  const h = await tanaka.get(`/api/rooms/${G}/messages?after=${a1.seq - 1}&limit=1`);
  assertStatus(h, 200);
  assert.equal(h.json.messages[0].read_count, 2, 'read_count through A');
  const readers = await onNode(tanaka, C).get(`/api/rooms/${G}/messages/${a1.seq}/readers`);
  assertStatus(readers, 200);
  assert.deepEqual(readers.json.read.map((u) => u.id).sort(), [sato.id, suzuki.id].sort(), 'readers through C');
  // sato's other device, on C, is told of sato's read on B (up to suzuki's message: sato's
  // own sends moved the position already).
  const satoOnC = await onNode(sato, C).ws({ label: 'sato@C' });
  assertStatus(await sato.post(`/api/rooms/${G}/read`, { seq: m3.seq }), 200);
  const self = await satoOnC.next((f) => f.type === 'read.self' && f.room === G, DELIVERY_MS, 'read.self on C');
  assert.equal(self.read_seq, m3.seq);

  const last = await roomEv(tanaka, G);
  await eventReached(wsZ, G, last);
  assertAllEventsOnce(wsZ, G, z0, last);
  for (const ws of [wsT, wsS]) assert.deepEqual(ws.evErrors, [], `${ws.label}: gaps or duplicates`);
  for (const ws of [wsT, wsS, wsZ, satoOnC]) await ws.close();
});

test('a client that left node A resumes on node C with exactly what it missed', { timeout: 90000 }, async () => {
  const tanaka = await login(A, 'tanaka');
  const sato = await login(B, 'sato');
  const R = (await createGroup(sato, '別ノードで再開', [tanaka.id])).id;
  const ws1 = await tanaka.ws({ label: 'tanaka@A' });
  const m0 = await postMessage(sato, R, '在席中の連絡');
  const live0 = await ws1.next((f) => f.type === 'message.created' && f.message.id === m0.id, DELIVERY_MS, 'm0 on A');
  const c = ws1.cursors.get(R);
  assert.equal(c, live0.ev);
  await ws1.close();

  // While tanaka is away, 7 events (the rename with its system message), through every node.
  const m1 = await postMessage(sato, R, '不在中1');
  const m2 = await postMessage(onNode(sato, C), R, '不在中2');
  await postMessage(onNode(sato, A), R, '不在中3');
  assertStatus(await onNode(sato, C).patch(`/api/rooms/${R}/messages/${m1.seq}`, { body: '不在中1(修正)' }), 200);
  assertStatus(await onNode(sato, A).del(`/api/rooms/${R}/messages/${m2.seq}`), 200);
  assertStatus(await sato.patch(`/api/rooms/${R}`, { name: '別ノードで再開(改)' }), 200);

  const tanakaOnC = onNode(tanaka, C);
  const ws2 = await tanakaOnC.ws({ cursors: { [R]: c }, label: 'tanaka@C' });
  assert.equal(ws2.welcome.rooms.find((r) => r.id === R).ev, c + 7, 'welcome ev = cursor + 7');
  const rep = replayed(ws2, R);
  assert.deepEqual(rep.map((f) => f.ev), range(c + 1, c + 7));
  assert.deepEqual(rep.map((f) => f.type),
    ['message.created', 'message.created', 'message.created', 'message.edited', 'message.deleted', 'room.updated',
      'message.created']);
  assert.equal(rep[1].message.deleted, true, 'a deleted message is replayed as deleted');
  assert.equal(rep[3].message.body, '不在中1(修正)');
  // Live from another node continues right after the replay.
  const m4 = await postMessage(onNode(sato, A), R, '再開後');
  const live = await ws2.next((f) => f.type === 'message.created' && f.message.id === m4.id, DELIVERY_MS, 'live on C');
  assert.equal(live.ev, c + 8);
  assertAllEventsOnce(ws2, R, c, c + 8);
  await ws2.close();

  // The hand-off race across nodes: sato streams 150 messages through A; tanaka connects to
  // B (and to C) with the cursor from before the stream at several points of it. Each socket
  // gets every event exactly once: replayed from PostgreSQL, then live from NATS.
  const start = c + 8;
  const wsStream = await onNode(sato, A).ws({ label: 'sato@A' });
  const progress = new EventEmitter();
  let acks = 0;
  const N = 150;
  const stream = pipeline(wsStream, R, items('handoff', 1, N), { window: 4, onAck: () => { acks += 1; progress.emit('tick'); } });
  const sockets = [];
  for (const [at, node] of [[10, B], [60, C], [110, B]]) {
    await until(progress, () => acks >= at, DELIVERY_MS, `${at} acks`);
    sockets.push(await onNode(tanaka, node).ws({ cursors: { [R]: start }, label: `tanaka@${node.label}+${at}` }));
  }
  await stream.done;
  assert.deepEqual(stream.errors, []);
  assert.equal(stream.acked.size, N);
  const end = start + N;
  assert.equal(await roomEv(tanaka, R), end);
  for (const ws of sockets) {
    await eventReached(ws, R, end);
    assertAllEventsOnce(ws, R, start, end);
  }
  for (const ws of [wsStream, ...sockets]) await ws.close();
});

// A session that ended on another node is refused here within the session cache's life.
async function assertLoggedOut(client, what, timeoutMs = SESSION_CACHE_MS + 2000) {
  const r = await eventually(async () => {
    const x = await client.get('/api/me');
    return x.status === 401 ? x : null;
  }, { timeoutMs, intervalMs: 100, desc: `${what} refused` });
  assertError(r, 401, 'unauthenticated', what);
}

test('logout on node A closes the same session\'s WebSocket on node B', { timeout: 60000 }, async () => {
  const onA = await login(A, 'watanabe');
  const onB = onNode(onA, B);
  const wsB = await onB.ws({ label: 'watanabe(cookie)@B' });
  const other = await login(C, 'watanabe', { token: true });
  const wsOther = await other.ws({ label: 'watanabe(token)@C' });
  // The session is in every node's cache now.
  for (const node of [B, C]) assertStatus(await onNode(onA, node).get('/api/me'), 200);

  assertStatus(await onA.post('/api/logout', {}), 200, 'logout on A');
  let t;
  const closed = await Promise.race([wsB.closed, new Promise((r) => { t = setTimeout(() => r(null), ANSWER_MS); })]);
  clearTimeout(t);
  assert.ok(closed, 'the session\'s socket on B is closed');
  assert.equal(closed.code, 4001, `close code 4001, got ${JSON.stringify(closed)}`);
  // The old cookie: refused at once on A; on the others as soon as the logout's bus notice
  // has made their caches forget it (well before the cache's own 5 s).
  assertError(await onA.get('/api/me'), 401, 'unauthenticated', 'the old cookie on A');
  for (const node of [B, C]) await assertLoggedOut(onNode(onA, node), `the old cookie on ${node.label}`, 1500);
  const up = await wsUpgradeResult(C, { headers: { Cookie: onA.cookie }, origin: C.origin });
  assert.equal(up.status, 401, 'WS upgrade on C with the logged-out cookie');
  // Another session of the same user, on another node, is untouched.
  await wsOther.ping();
  assert.equal(wsOther.closeInfo, null);
  assertStatus(await other.get('/api/me'), 200);

  // A bearer token logged out through A: its socket on C closes too.
  const tokenB = await login(B, 'watanabe', { token: true });
  const wsC = await onNode(tokenB, C).ws({ label: 'watanabe(token2)@C' });
  assertStatus(await onNode(tokenB, A).post('/api/logout', {}), 200);
  const closed2 = await Promise.race([wsC.closed, new Promise((r) => { t = setTimeout(() => r(null), ANSWER_MS); })]);
  clearTimeout(t);
  assert.ok(closed2 && closed2.code === 4001, `the token's socket on C closes with 4001: ${JSON.stringify(closed2)}`);
  await assertLoggedOut(tokenB, 'the logged-out token on B');
  await wsOther.close();
});

test('disabling a user (admin CLI on the PostgreSQL store) closes their sockets on every node', { timeout: 60000 }, async () => {
  const sockets = [];
  for (const [node, token] of [[A, false], [B, true], [C, false]]) {
    const c = await login(node, 'ito', { token });
    sockets.push(await c.ws({ label: `ito@${node.label}` }));
  }
  const sato = await login(B, 'sato');
  const wsSato = await sato.ws({ label: 'sato@B' });

  const r = await cluster.admin('disable-user', '--tenant', DEMO_TENANT, '--login', 'ito');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /disabled user ito .*logged out everywhere/);
  // "within about a second" (docs/api.md): each node polls the store's revocations.
  for (const ws of sockets) {
    let t;
    const closed = await Promise.race([ws.closed, new Promise((res) => { t = setTimeout(() => res(null), ANSWER_MS); })]);
    clearTimeout(t);
    assert.ok(closed, `${ws.label} is closed`);
    assert.equal(closed.code, 4001, `${ws.label}: ${JSON.stringify(closed)}`);
  }
  await wsSato.ping();
  assert.equal(wsSato.closeInfo, null, 'other staff stay connected');
  for (const node of [A, B, C]) {
    assertError(await loginRaw(node, { login: 'ito' }), 401, 'unauthenticated', `login on ${node.label}`);
  }

  const e = await cluster.admin('enable-user', '--tenant', DEMO_TENANT, '--login', 'ito');
  assert.equal(e.code, 0, e.stderr);
  assertStatus(await (await login(C, 'ito')).get('/api/me'), 200, 'ito is back');
  await wsSato.close();
});

test('kill -9 of a node while clients send through it: every acked message stored once, in order; resending elsewhere duplicates nothing', { timeout: 150000 }, async () => {
  const SENDERS = ['tanaka', 'sato', 'suzuki'];
  const TOTAL = 200;
  const KILL_AT = 240;   // of 3 × 200: well inside the stream
  const victim = B;
  const senders = {};
  for (const l of SENDERS) senders[l] = await login(victim, l);
  const watcher = await login(A, 'takahashi');
  const G = (await createGroup(senders.tanaka, 'ノード障害訓練', [senders.sato.id, senders.suzuki.id, watcher.id])).id;
  const wsW = await watcher.ws({ label: 'takahashi@A' });
  const w0 = wsW.cursors.get(G);

  let acks = 0;
  let killed = null;
  const onAck = () => {
    acks += 1;
    if (acks === KILL_AT) killed = victim.kill9();
  };
  const runs = {};
  for (const l of SENDERS) {
    const ws = await senders[l].ws({ label: `${l}@${victim.label}` });
    runs[l] = pipeline(ws, G, items(`k9-${l}`, 0, TOTAL - 1), { window: 8, onAck });
  }
  let t;
  await Promise.race([
    Promise.all(SENDERS.map((l) => runs[l].done)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`the senders did not finish; acks=${acks}`)), 60000); }),
  ]);
  clearTimeout(t);
  assert.ok(killed, `the node must have been killed mid-stream (acks=${acks})`);
  await killed;
  const sentBefore = SENDERS.reduce((n, l) => n + runs[l].sent.length, 0);
  assert.ok(sentBefore < SENDERS.length * TOTAL, `killed mid-stream: ${sentBefore} of ${SENDERS.length * TOTAL} sent`);
  for (const l of SENDERS) assert.deepEqual(runs[l].errors, [], `${l}: no errors before the kill`);

  // Each client moves to another node with the same session and sends again every message
  // that was not acked (same client_id), then the rest.
  const moved = {};
  await Promise.all(SENDERS.map(async (l, i) => {
    const node = [A, C][i % 2];
    const ws = await onNode(senders[l], node).ws({ label: `${l}@${node.label}` });
    const run = runs[l];
    const again = items(`k9-${l}`, 0, TOTAL - 1).filter((it) => !run.acked.has(it.client_id));
    moved[l] = pipeline(ws, G, again, { window: 8 });
    await moved[l].done;
    assert.deepEqual(moved[l].errors, [], `${l}: resending on ${node.label}`);
    assert.equal(moved[l].acked.size, again.length, `${l}: every resend acked`);
    await ws.close();
  }));

  const all = await fetchAllMessages(watcher, G);
  const msgs = all.filter((m) => m.client_id && m.client_id.startsWith('k9-'));
  assert.deepEqual(all.map((m) => m.seq), range(1, all.length), 'seqs gapless');
  const byCid = new Map();
  for (const m of msgs) {
    assert.ok(!byCid.has(m.client_id), `client_id ${m.client_id} stored twice`);
    byCid.set(m.client_id, m);
  }
  assert.equal(byCid.size, SENDERS.length * TOTAL, 'every message stored exactly once');
  const lost = [];
  for (const l of SENDERS) {
    for (const [k, a] of [...runs[l].acked, ...moved[l].acked]) {
      const m = byCid.get(k);
      if (!m) { lost.push(k); continue; }
      assert.equal(m.seq, a.seq, `${k}: stored seq = acked seq`);
      assert.equal(m.id, a.id, `${k}: stored id = acked id`);
      assert.equal(m.sender, senders[l].id);
    }
    // In order: a sender's messages stand in the history in the order it sent them.
    const seqs = range(0, TOTAL - 1).map((i) => byCid.get(`k9-${l}-${i}`).seq);
    for (let i = 1; i < seqs.length; i++) {
      assert.ok(seqs[i] > seqs[i - 1], `${l}: message ${i} (seq ${seqs[i]}) stored after message ${i - 1} (seq ${seqs[i - 1]})`);
    }
  }
  assert.deepEqual(lost, [], 'acked messages lost');

  // The watcher on A saw the whole room through the kill, once each, in order (what B
  // committed but never published is filled from PostgreSQL).
  const end = await roomEv(watcher, G);
  await eventReached(wsW, G, end, RECOVERY_MS);
  assertAllEventsOnce(wsW, G, w0, end);
  const created = wsW.events(G).filter((f) => f.type === 'message.created').map((f) => f.message.client_id);
  assert.equal(created.length, SENDERS.length * TOTAL);
  assert.equal(new Set(created).size, created.length);
  await wsW.close();

  await victim.start();   // three nodes again for the tests below
  assertStatus(await onNode(watcher, victim).get(`/api/rooms/${G}`), 200, 'the restarted node serves the room');
});

test('nats-server restarted under load: nodes reconnect, clients on every node get each committed message once', { timeout: 150000 }, async () => {
  const tanaka = await login(A, 'tanaka');
  const sato = await login(B, 'sato');
  const watchers = [await login(C, 'suzuki'), await login(A, 'ito'), await login(B, 'takahashi')];
  const G = (await createGroup(tanaka, 'NATS再起動', [sato.id, ...watchers.map((w) => w.id)])).id;
  const wsWatch = [];
  for (const w of watchers) wsWatch.push(await w.ws({ label: `${w.loginId}@${w.server.label}` }));
  const from = wsWatch.map((ws) => ws.cursors.get(G));

  // Phase 1: two senders stream through A and B until told to stop; nats-server is killed
  // during the stream and started again while it goes on. Acks do not wait for the bus:
  // the record is PostgreSQL.
  const progress = new EventEmitter();
  let acks = 0;
  let stopped = false;
  const onAck = () => { acks += 1; progress.emit('tick'); };
  const stop = () => stopped;
  const wsT = await tanaka.ws({ label: 'tanaka@A' });
  const wsS = await sato.ws({ label: 'sato@B' });
  const runs = [
    pipeline(wsT, G, items('nats-a', 1, 20000), { window: 4, onAck, stop }),
    pipeline(wsS, G, items('nats-b', 1, 20000), { window: 4, onAck, stop }),
  ];
  try {
    await until(progress, () => acks >= 60, DELIVERY_MS, '60 acks before the restart');
    await cluster.nats.kill();
    const atKill = acks;
    await until(progress, () => acks >= atKill + 40, RECOVERY_MS, '40 acks while nats-server is down');
    await cluster.nats.start();
    const atStart = acks;
    await until(progress, () => acks >= atStart + 60, RECOVERY_MS, '60 acks after nats-server is back');
  } finally {
    stopped = true;
    await Promise.all(runs.map((r) => r.done));
  }
  let streamed = 0;
  for (const r of runs) {
    assert.deepEqual(r.errors, [], 'no send errors');
    assert.equal(r.acked.size, r.sent.length, 'every send acked');
    streamed += r.sent.length;
  }

  // Phase 2: nats-server down again; 20 messages through A and B; started again; nothing is
  // sent after it: each node must notice on reconnecting what it missed.
  await cluster.nats.kill();
  for (let i = 0; i < 20; i++) await postMessage(i % 2 ? sato : tanaka, G, `NATS停止中${i}`, { client_id: `nats-down-${i}` });
  await cluster.nats.start();

  const end = await roomEv(tanaka, G);
  for (let i = 0; i < wsWatch.length; i++) {
    await eventReached(wsWatch[i], G, end, RECOVERY_MS);
    assertAllEventsOnce(wsWatch[i], G, from[i], end);
    const created = wsWatch[i].events(G).filter((f) => f.type === 'message.created');
    assert.equal(created.length, streamed + 20, `${wsWatch[i].label}: every message`);
  }
  const all = await fetchAllMessages(tanaka, G);
  assert.deepEqual(all.map((m) => m.seq), range(1, all.length));
  assert.equal(new Set(all.map((m) => m.client_id)).size, all.length);
  // And the bus works again for new traffic.
  const after = await postMessage(sato, G, '復旧確認');
  for (const ws of wsWatch) {
    await ws.next((f) => f.type === 'message.created' && f.message.id === after.id, DELIVERY_MS, `${ws.label}: live after the restart`);
  }
  for (const ws of [wsT, wsS, ...wsWatch]) await ws.close();
});

test('PostgreSQL restarted under load: writes fail fast with unavailable, no false ack, recovery without restarting nodes', { timeout: 180000 }, async () => {
  const generations = [A, B, C].map((n) => n.generation);
  const tanaka = await login(A, 'tanaka');
  const sato = await login(B, 'sato');
  const suzuki = await login(C, 'suzuki');
  const G = (await createGroup(tanaka, 'DB再起動', [sato.id, suzuki.id])).id;
  const progress = new EventEmitter();
  const state = { stop: false };

  // Writers: over REST through A and B, over WS through C; one write at a time each, timed.
  // A result: {client_id, ok, code, ms, seq, id}.
  const restWriter = (client, label) => {
    const results = [];
    const done = (async () => {
      for (let i = 0; !state.stop; i++) {
        const client_id = `pg-${label}-${i}`;
        const t0 = Date.now();
        let r;
        try {
          r = await client.post(`/api/rooms/${G}/messages`, { client_id, body: `${label}の書き込み${i}` });
        } catch (e) {
          results.push({ client_id, ok: false, code: 'no_answer', ms: Date.now() - t0, detail: e.message });
          progress.emit('tick');
          continue;
        }
        const ms = Date.now() - t0;
        if (r.status === 201) {
          results.push({ client_id, ok: true, ms, seq: r.json.message.seq, id: r.json.message.id });
        } else {
          results.push({ client_id, ok: false, ms, status: r.status, code: r.json?.error?.code, detail: r.text.slice(0, 200) });
        }
        progress.emit('tick');
        if (r.status !== 201) await sleep(100);   // pacing while writes fail, not synchronisation
      }
    })();
    return { label, results, done };
  };
  const wsWriter = (client, label) => {
    const results = [];
    const done = (async () => {
      let ws = null;
      for (let i = 0; !state.stop; i++) {
        if (!ws || ws.closeInfo) {
          // The socket may be closed by the outage, and a new one refused while it lasts:
          // a refusal is a result too (without a client_id: nothing was written).
          const t0 = Date.now();
          try {
            ws = await client.ws({ label });
          } catch (e) {
            let code = 'no_answer';
            try { if (e.status) code = JSON.parse(e.body).error.code; } catch { code = `http_${e.status}`; }
            results.push({ client_id: null, ok: false, code, status: e.status, ms: Date.now() - t0, detail: e.message.split('\n')[0] });
            progress.emit('tick');
            i -= 1;
            await sleep(100);
            continue;
          }
        }
        const client_id = `pg-${label}-${i}`;
        const t0 = Date.now();
        ws.send({ type: 'send', room: G, client_id, body: `${label}の書き込み${i}` });
        let f;
        try { f = await ws.ack(client_id, 3 * ANSWER_MS); } catch (e) {
          results.push({ client_id, ok: false, code: ws.closeInfo ? 'closed' : 'no_answer', ms: Date.now() - t0, detail: e.message.split('\n')[0] });
          progress.emit('tick');
          continue;
        }
        const ms = Date.now() - t0;
        if (f.type === 'ack') results.push({ client_id, ok: true, ms, seq: f.seq, id: f.id });
        else results.push({ client_id, ok: false, ms, code: f.error.code, detail: f.error.message });
        progress.emit('tick');
        if (f.type !== 'ack') await sleep(100);
      }
      if (ws) await ws.close();
    })();
    return { label, results, done };
  };
  const writers = [restWriter(tanaka, 'tanaka@A'), restWriter(sato, 'sato@B'), wsWriter(suzuki, 'suzuki@C')];
  const oks = (w) => w.results.filter((r) => r.ok).length;
  const fails = (w) => w.results.filter((r) => !r.ok).length;

  try {
    await until(progress, () => writers.every((w) => oks(w) >= 10), DELIVERY_MS * 2, '10 writes each before the restart');
    await cluster.pg.kill();   // immediate shutdown: to tonari, a crash
    const down = writers.map((w) => w.results.length);
    await until(progress, () => writers.every((w) => fails(w) >= 3), RECOVERY_MS, 'three refused writes each while PostgreSQL is down');
    // Health checks say so, quickly.
    for (const node of [A, B, C]) {
      const t0 = Date.now();
      const h = await rawFetch(node, 'GET', '/healthz');
      assert.equal(h.status, 503, `/healthz on ${node.label} while PostgreSQL is down: ${h.text}`);
      assert.ok(Date.now() - t0 <= ANSWER_MS, `/healthz answered in ${Date.now() - t0} ms`);
    }
    await cluster.pg.start();
    const up = writers.map((w) => w.results.length);
    // The nodes recover by themselves: every writer succeeds again.
    await until(progress, () => writers.every((w, i) => w.results.slice(up[i]).filter((r) => r.ok).length >= 10), RECOVERY_MS,
      'ten successful writes each after PostgreSQL is back');
    for (let i = 0; i < writers.length; i++) {
      assert.ok(writers[i].results.slice(down[i]).some((r) => !r.ok), `${writers[i].label}: the outage was noticed`);
    }
  } finally {
    state.stop = true;
    await Promise.all(writers.map((w) => w.done));
  }

  // Every write was answered within a few seconds, and every refusal says unavailable.
  for (const w of writers) {
    const slow = w.results.filter((r) => r.ms > ANSWER_MS);
    assert.deepEqual(slow, [], `${w.label}: answers slower than ${ANSWER_MS} ms`);
    const unclear = w.results.filter((r) => !r.ok && r.code !== 'unavailable' && r.code !== 'closed');
    assert.deepEqual(unclear, [], `${w.label}: refusals other than unavailable`);
    for (const r of w.results.filter((x) => x.status)) {
      assert.equal(r.status, 503, `${w.label}: ${r.client_id} refused with HTTP 503: ${r.detail}`);
    }
  }
  assert.deepEqual([A, B, C].map((n) => n.generation), generations, 'no node was restarted');
  for (const node of [A, B, C]) assert.equal(node.running, true, `${node.label} still runs`);

  // No false ack: every acked write is in the history with its seq and id. A refused one
  // may or may not have been committed (an answer lost with the connection): sending it
  // again with its client_id stores it once either way.
  const before = new Map((await fetchAllMessages(tanaka, G)).map((m) => [m.client_id, m]));
  const lost = [];
  for (const w of writers) {
    for (const r of w.results.filter((x) => x.ok)) {
      const m = before.get(r.client_id);
      if (!m) { lost.push(r.client_id); continue; }
      assert.equal(m.seq, r.seq, `${r.client_id}: stored seq = acked seq`);
      assert.equal(m.id, r.id, `${r.client_id}: stored id = acked id`);
    }
  }
  assert.deepEqual(lost, [], 'acked writes missing after the restart');
  const refused = writers.flatMap((w) => w.results.filter((r) => !r.ok && r.client_id).map((r) => ({ ...r, writer: w.label })));
  for (const r of refused) {
    const client = r.writer.startsWith('tanaka') ? tanaka : r.writer.startsWith('sato') ? sato : suzuki;
    const res = await client.post(`/api/rooms/${G}/messages`, { client_id: r.client_id, body: 'again' });
    assert.ok(res.status === 201 || res.status === 200, `resending ${r.client_id}: ${res.status} ${res.text}`);
  }
  const all = await fetchAllMessages(tanaka, G);
  assert.deepEqual(all.map((m) => m.seq), range(1, all.length), 'seqs gapless');
  const cids = all.filter((m) => m.client_id && m.client_id.startsWith('pg-')).map((m) => m.client_id);
  assert.equal(new Set(cids).size, cids.length, 'no client_id stored twice');
  assert.equal(cids.length, writers.reduce((n, w) => n + w.results.filter((r) => r.client_id).length, 0), 'every write stored once');
  for (const node of [A, B, C]) assertStatus(await rawFetch(node, 'GET', '/healthz'), 200, `/healthz on ${node.label} after`);
});

test('what NATS lost while down (a join, a logout) is found by the connections once it is back', { timeout: 120000 }, async () => {
  // kato and suzuki are connected to C; a room new to C is made for kato on A, and
  // suzuki's session is logged out on A, while nats-server is down; A then dies with what
  // it had buffered for NATS. Only the store knows: C's connections check it when C's bus
  // is back.
  const kato = await login(C, 'kato');
  const wsKato = await kato.ws({ label: 'kato@C' });
  const suzukiOnA = await login(A, 'suzuki');
  const wsSuzuki = await onNode(suzukiOnA, C).ws({ label: 'suzuki@C' });
  const tanaka = await login(A, 'tanaka');

  await cluster.nats.kill();
  const room = await createGroup(tanaka, '障害中に作った部屋', [kato.id]);
  assertStatus(await suzukiOnA.post('/api/logout', {}), 200, 'logout on A while NATS is down');
  await A.kill9();
  await cluster.nats.start();

  let t;
  const timeout = () => new Promise((r) => { t = setTimeout(() => r(null), RECOVERY_MS); });
  const suzukiClosed = await Promise.race([wsSuzuki.closed, timeout()]);
  clearTimeout(t);
  assert.ok(suzukiClosed && suzukiClosed.code === 4001, `suzuki's socket on C ends: ${JSON.stringify(suzukiClosed)}`);
  const katoClosed = await Promise.race([wsKato.closed, timeout()]);
  clearTimeout(t);
  assert.ok(katoClosed && katoClosed.code === 4009, `kato's socket on C is told to start over: ${JSON.stringify(katoClosed)}`);

  // kato resumes (on C) and has the room; what is posted there reaches him live.
  const again = await kato.ws({ label: 'kato@C again', cursors: Object.fromEntries(wsKato.cursors) });
  assert.ok(again.welcome.rooms.some((r) => r.id === room.id), 'the new room is in the welcome');
  await A.restart();
  const tanakaAgain = await login(A, 'tanaka');
  const msg = await postMessage(tanakaAgain, room.id, '復旧しました');
  await again.next((f) => f.type === 'message.created' && f.room === room.id && f.message?.seq === msg.seq,
    DELIVERY_MS, 'kato gets the message live', { consume: false });
  await again.close();
});
