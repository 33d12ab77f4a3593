// Resuming from cursors: replay of missed events exactly once and in order, the
// welcome/replay/live hand-off, resync, room.removed, and all of it across a
// server restart (docs/api.md: "Connecting and resuming").
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, sleep, EVENT_TYPES } from './lib/client.mjs';
import { fileSetup, demoServer, demoServerWithLimits, loginAll, assertStatus, createGroup, postMessage } from './lib/util.mjs';

fileSetup();

let srv;
let U;
const T = { timeout: 40000 };

before(async () => {
  // Floods of sends from one user are what these tests are made of: no per-user rates
  // here (limits.test.mjs tests them).
  srv = await demoServerWithLimits({ messages_per_second: 0, writes_per_second: 0 });
  U = await loginAll(srv, ['tanaka', 'sato', 'suzuki']);
});

// Event frames of `room` received between welcome and synced.
function replayed(ws, room) {
  assert.ok(ws.welcomeIndex >= 0 && ws.syncedIndex > ws.welcomeIndex, 'welcome then synced');
  return ws.log.slice(ws.welcomeIndex + 1, ws.syncedIndex).filter((f) => f.room === room && EVENT_TYPES.has(f.type));
}

function range(a, b) { const r = []; for (let i = a; i <= b; i++) r.push(i); return r; }

// Every ev of `room` in the whole log appears exactly once, consecutively from `from`.
function assertExactlyOnce(ws, room, from, to) {
  const evs = ws.events(room).map((f) => f.ev);
  assert.deepEqual(evs, range(from, to), `${ws.label}: events of room ${room} must be ${from}..${to} exactly once, got ${JSON.stringify(evs)}`);
}

// Connect, make sure `room` is known, and return the socket's cursor for it.
async function cursorOf(client, room) {
  const ws = await client.ws();
  const c = ws.cursors.get(room);
  assert.equal(typeof c, 'number', `welcome must list room ${room}`);
  await ws.close();
  return c;
}

test('reconnecting with cursors replays exactly the missed events, in ev order, once', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const R = (await createGroup(sato, '再接続テスト', [tanaka.id])).id;
  const ws1 = await tanaka.ws();
  const m0 = await postMessage(sato, R, 'オンライン中の連絡');
  const live0 = await ws1.next((f) => f.type === 'message.created' && f.message.id === m0.id, 2000, 'live m0');
  const c = ws1.cursors.get(R);
  assert.equal(c, live0.ev);
  await ws1.close();

  // while tanaka is away: 9 events (a rename and an addition each add a system message)
  const m1 = await postMessage(sato, R, '不在中1');
  const m2 = await postMessage(sato, R, '不在中2');
  const m3 = await postMessage(sato, R, '不在中3');
  assertStatus(await sato.patch(`/api/rooms/${R}/messages/${m1.seq}`, { body: '不在中1(修正)' }), 200);
  assertStatus(await sato.del(`/api/rooms/${R}/messages/${m2.seq}`), 200);
  assertStatus(await sato.patch(`/api/rooms/${R}`, { name: '再接続テスト改' }), 200);
  assertStatus(await sato.post(`/api/rooms/${R}/members`, { users: [suzuki.id] }), 200);

  const ws2 = await tanaka.ws({ cursors: { [R]: c } });
  const w = ws2.welcome.rooms.find((r) => r.id === R);
  assert.ok(w, 'welcome lists the room');
  assert.equal(w.ev, c + 9, 'welcome ev = cursor + 9 missed events');

  const rep = replayed(ws2, R);
  assert.deepEqual(rep.map((f) => f.ev), range(c + 1, c + 9), 'replayed ev cursor+1 … current');
  assert.deepEqual(rep.map((f) => f.type),
    ['message.created', 'message.created', 'message.created', 'message.edited', 'message.deleted', 'room.updated',
      'message.created', 'member.joined', 'message.created']);
  assert.deepEqual(rep.slice(0, 3).map((f) => f.message.id), [m1.id, m2.id, m3.id]);
  assert.equal(rep[1].message.deleted, true, 'a deleted message is replayed as deleted');
  assert.equal(rep[1].message.body, '');
  assert.equal(rep[3].message.body, '不在中1(修正)');
  assert.equal(rep[4].message.id, m2.id);
  assert.equal(rep[5].name, '再接続テスト改');
  assert.deepEqual([rep[6].message.kind, rep[6].message.system.action], ['system', 'renamed']);
  assert.deepEqual(rep[7].users.map((u) => u.id), [suzuki.id]);
  assert.deepEqual([rep[8].message.kind, rep[8].message.system.action], ['system', 'members_added']);

  // rooms without a cursor start live: nothing replayed for them
  const others = ws2.log.slice(ws2.welcomeIndex + 1, ws2.syncedIndex).filter((f) => EVENT_TYPES.has(f.type) && f.room !== R);
  assert.deepEqual(others, [], 'no replay for rooms without a cursor');

  // live events continue consecutively
  const m4 = await postMessage(sato, R, '再接続後');
  const live = await ws2.next((f) => f.type === 'message.created' && f.message.id === m4.id, 2000, 'live after synced');
  assert.equal(live.ev, c + 10);
  assertExactlyOnce(ws2, R, c + 1, c + 10);
  assert.deepEqual(ws2.evErrors, []);

  // reconnecting with an up-to-date cursor replays nothing
  const ws3 = await tanaka.ws({ cursors: { [R]: c + 10 } });
  assert.deepEqual(replayed(ws3, R), []);
  await ws2.close();
  await ws3.close();
});

test('events committed while the client is connecting are delivered exactly once (hand-off race)', T, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(sato, 'ハンドオフ', [tanaka.id])).id;
  const c = await cursorOf(tanaka, R);
  const wsS = await sato.ws();
  const N = 200;
  const items = [];
  for (let i = 0; i < N; i++) items.push({ room: R, body: `連投${i}` });
  let acked = 0;
  wsS.on((f) => { if (f.type === 'ack') acked += 1; });
  const stream = wsS.sendMany(items, { window: 4 });
  // connect (with the cursor from before the stream) at several points while the
  // stream is being committed: each socket must see every event exactly once
  const sockets = [];
  for (const at of [15, 70, 130]) {
    while (acked < at) await sleep(2);
    sockets.push(await tanaka.ws({ cursors: { [R]: c }, label: `tanaka@${at}` }));
  }
  const acks = await stream;
  for (const a of acks) assert.equal(a.type, 'ack', JSON.stringify(a));
  assert.deepEqual(acks.map((a) => a.seq), range(2, N + 1), 'seqs 2..N+1 (1: room_created)');
  let raced = 0;
  for (const ws of sockets) {
    await ws.next((f) => f.type === 'message.created' && f.message.body === `連投${N - 1}`, 10000, 'last message');
    assertExactlyOnce(ws, R, c + 1, c + N);
    assert.deepEqual(ws.evErrors, [], ws.label);
    assert.deepEqual(ws.events(R).map((f) => f.message.seq), range(2, N + 1), `${ws.label}: messages in seq order`);
    if (ws.welcome.rooms.find((r) => r.id === R).ev < c + N) raced += 1;
    await ws.close();
  }
  assert.ok(raced > 0, 'at least one socket connected while the stream was still being committed');
  await wsS.close();
});

test('more than 500 missed events → resync; exactly 500 → replay', T, async () => {
  const { tanaka, sato } = U;
  const Q500 = (await createGroup(sato, '500件', [tanaka.id])).id;
  const Q501 = (await createGroup(sato, '501件', [tanaka.id])).id;
  const ws0 = await tanaka.ws();
  const c500 = ws0.cursors.get(Q500);
  const c501 = ws0.cursors.get(Q501);
  await ws0.close();

  const wsS = await sato.ws();
  const items = [];
  for (let i = 0; i < 500; i++) items.push({ room: Q500, body: `a${i}` });
  for (let i = 0; i < 501; i++) items.push({ room: Q501, body: `b${i}` });
  const acks = await wsS.sendMany(items, { window: 64 });
  for (const a of acks) assert.equal(a.type, 'ack', JSON.stringify(a));
  await wsS.close();

  const wsT = await tanaka.ws({ cursors: { [Q500]: c500, [Q501]: c501 } });
  const byRoom = Object.fromEntries(wsT.welcome.rooms.map((r) => [r.id, r.ev]));
  assert.equal(byRoom[Q500], c500 + 500);
  assert.equal(byRoom[Q501], c501 + 501);
  const between = wsT.log.slice(wsT.welcomeIndex + 1, wsT.syncedIndex);
  const rs = between.filter((f) => f.type === 'resync');
  assert.deepEqual(rs.map((f) => [f.room, f.ev]), [[Q501, c501 + 501]], 'one resync for the room with 501 missed events');
  assert.deepEqual(replayed(wsT, Q501), [], 'no events replayed for a resynced room');
  assert.deepEqual(replayed(wsT, Q500).map((f) => f.ev), range(c500 + 1, c500 + 500), 'exactly 500 missed events are replayed');

  const m = await postMessage(sato, Q501, 'resync後');
  const live = await wsT.next((f) => f.type === 'message.created' && f.message.id === m.id, 3000, 'live after resync');
  assert.equal(live.ev, c501 + 502, 'live continues from the resync ev');
  assert.deepEqual(wsT.evErrors, []);
  await wsT.close();
});

test('a slow consumer is closed with 4008 slow_consumer and resumes from its cursor', T, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(sato, '低速クライアント', [tanaka.id])).id;
  const slow = await tanaka.ws({ label: 'tanaka-slow' });
  const c = slow.cursors.get(R);
  slow.ws._socket.pause();            // stop reading: the server's send queue fills up
  const wsS = await sato.ws();
  const big = 'あ'.repeat(9000);      // ~27 KB per frame; 400 frames ≈ 10.8 MB ≫ 1 MiB + socket buffers
  const N = 400;
  const items = [];
  for (let i = 0; i < N; i++) items.push({ room: R, body: `${big}${i}` });
  const acks = await wsS.sendMany(items, { window: 16 });
  for (const a of acks) assert.equal(a.type, 'ack', JSON.stringify(a).slice(0, 300));
  await sleep(300);
  slow.ws._socket.resume();
  let t;
  const closed = await Promise.race([slow.closed, new Promise((res) => { t = setTimeout(() => res(null), 8000); })]);
  clearTimeout(t);
  assert.ok(closed, 'the slow consumer must be closed');
  assert.deepEqual(closed, { code: 4008, reason: 'slow_consumer' });
  assert.deepEqual(slow.evErrors, [], 'what arrived before the close is in order');
  const cur = slow.cursors.get(R);
  assert.ok(cur < c + N, `the slow consumer missed events (cursor ${cur}, final ${c + N})`);

  // it reconnects and resumes from its cursor (reading promptly now)
  let ws;
  try {
    ws = await tanaka.ws({ cursors: { [R]: cur }, label: 'tanaka-resumed' });
  } catch (e) {
    assert.fail(`resuming ${c + N - cur} missed events (~${Math.round((c + N - cur) * 27 / 1024)} MiB) failed: ${e.message.split('\n')[0]}`);
  }
  const resync = ws.seen((f) => f.type === 'resync' && f.room === R);
  if (resync.length === 0) {
    assert.deepEqual(replayed(ws, R).map((f) => f.ev), range(cur + 1, c + N), 'missed events replayed');
  } else {
    assert.equal(resync[0].ev, c + N);
  }
  const m = await postMessage(sato, R, '追いついた?');
  const live = await ws.next((f) => f.type === 'message.created' && f.message.id === m.id, 5000, 'live after resume');
  assert.equal(live.ev, c + N + 1);
  assert.deepEqual(ws.evErrors, []);
  await ws.close();
  await wsS.close();
});

test('frames sent while a long replay runs are handled after it, in order', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, '再送中の送信', [sato.id])).id;
  const before = await sato.ws({ label: 'before' });
  const cursor = before.cursors.get(room);
  await before.close();
  // 120 messages of 30 KB: the replay outgrows half the send queue and waits for the
  // client to read, so the frames below arrive while it runs.
  const body = 'い'.repeat(10000);
  for (let i = 0; i < 120; i += 20) {
    await Promise.all(Array.from({ length: 20 }, () => postMessage(tanaka, room, body)));
  }
  const ws = await sato.ws({ label: 'during', cursors: { [room]: cursor }, waitSynced: false });
  ws.send({ type: 'ping' });
  ws.send({ type: 'read', room, seq: 120 });
  ws.send({ type: 'ping' });
  await ws.next((f) => f.type === 'synced', 20000, 'synced', { consume: false });
  const pongs = [];
  for (let i = 0; i < 2; i += 1) pongs.push(await ws.next((f) => f.type === 'pong', 5000, 'pong'));
  const at = (f) => ws.log.indexOf(f);
  assert.ok(pongs.every((p) => at(p) > ws.syncedIndex), 'answered after the replay, not lost');
  assert.equal(replayed(ws, room).length, 120);
  // The read is a write the socket hands to the store: the pong after it can come before
  // its commit, so wait (bounded) for it rather than reading once.
  let r;
  for (let i = 0; i < 50; i += 1) {
    r = await sato.get(`/api/rooms/${room}`);
    assertStatus(r, 200);
    if (r.json.room.read_seq === 120) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(r.json.room.read_seq, 120, 'the read frame sent during the replay was applied');
  await ws.close();
});

test('a cursor of a room the user was removed from (or left) gets room.removed', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const G = (await createGroup(sato, '退出テスト', [tanaka.id, suzuki.id])).id;
  const H = (await createGroup(sato, '自主退出テスト', [suzuki.id])).id;
  const ws1 = await suzuki.ws();
  const cG = ws1.cursors.get(G);
  const cH = ws1.cursors.get(H);
  assert.equal(typeof cG, 'number');
  assert.equal(typeof cH, 'number');
  await ws1.close();

  assertStatus(await sato.del(`/api/rooms/${G}/members/${suzuki.id}`), 200, 'owner removes suzuki');
  assertStatus(await suzuki.del(`/api/rooms/${H}/members/${suzuki.id}`), 200, 'suzuki leaves H');
  await postMessage(sato, G, '鈴木さんの退出後');
  await postMessage(sato, H, '鈴木さんの退出後');

  const ws2 = await suzuki.ws({ cursors: { [G]: cG, [H]: cH } });
  assert.ok(!ws2.welcome.rooms.some((r) => r.id === G || r.id === H), 'welcome does not list rooms the user is not in');
  const between = ws2.log.slice(ws2.welcomeIndex + 1, ws2.syncedIndex);
  const removed = between.filter((f) => f.type === 'room.removed').map((f) => f.room).sort((a, b) => a - b);
  assert.deepEqual(removed, [G, H].sort((a, b) => a - b), 'room.removed for each stale cursor before synced');
  const leaked = ws2.log.filter((f) => (f.room === G || f.room === H) && typeof f.ev === 'number');
  assert.deepEqual(leaked, [], 'no events of rooms the user is no longer in');
  await ws2.close();
});

test('resume across a server restart (stop + start on the same data dir)', T, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(sato, '再起動テスト', [tanaka.id])).id;
  const c = await cursorOf(tanaka, R);
  const before1 = await postMessage(sato, R, '停止前1');
  const before2 = await postMessage(sato, R, '停止前2');
  assert.deepEqual([before1.seq, before2.seq], [2, 3], 'after the room_created system message');

  const stopped = await srv.stop();
  assert.equal(stopped.forced, false, `SIGTERM must stop the server within 15 s; stderr:\n${srv.stderrTail()}`);
  await srv.start();

  const sato2 = await login(srv, 'sato');
  const tanaka2 = await login(srv, 'tanaka');
  const after1 = await postMessage(sato2, R, '再起動後1');
  assert.equal(after1.seq, 4, 'seq continues after a restart');

  const ws = await tanaka2.ws({ cursors: { [R]: c } });
  const rep = replayed(ws, R);
  assert.deepEqual(rep.map((f) => f.ev), [c + 1, c + 2, c + 3]);
  assert.deepEqual(rep.map((f) => f.message.body), ['停止前1', '停止前2', '再起動後1']);
  const m = await postMessage(sato2, R, '再起動後2');
  const live = await ws.next((f) => f.type === 'message.created' && f.message.id === m.id, 2000, 'live after restart');
  assert.equal(live.ev, c + 4);
  assertExactlyOnce(ws, R, c + 1, c + 4);
  assert.deepEqual(ws.evErrors, []);
  await ws.close();
});

test('sessions survive a server restart', T, async () => {
  const { tanaka } = U; // cookie session created before the restart(s) above
  const bearer = await login(srv, 'sato', { token: true });
  await srv.restart();
  const me = await tanaka.get('/api/me');
  assertStatus(me, 200, 'cookie session created before a restart is still valid');
  assert.equal(me.json.user.id, tanaka.id);
  const me2 = await bearer.get('/api/me');
  assertStatus(me2, 200, 'bearer session survives a restart');
  assert.equal(me2.json.user.login, 'sato');
});
