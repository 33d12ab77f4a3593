// Durability and idempotency: "A message is acknowledged (201, or the WebSocket ack)
// only after it is committed to disk", seqs are gapless, and client_id makes
// sending idempotent (docs/api.md: Messages).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, cid, sleep } from './lib/client.mjs';
import { fileSetup, demoServer, demoServerWithLimits, loginAll, assertStatus, createGroup, postMessage, fetchAllMessages, roomSummary } from './lib/util.mjs';

fileSetup();

let srv;
let U;
const T = { timeout: 50000 };
const SENDERS = ['tanaka', 'sato', 'suzuki', 'takahashi'];

before(async () => {
  // Floods of sends from one user are what these tests are made of: no per-user rates
  // here (limits.test.mjs tests them).
  srv = await demoServerWithLimits({ messages_per_second: 0, writes_per_second: 0 });
  U = await loginAll(srv, SENDERS);
});

function range(a, b) { const r = []; for (let i = a; i <= b; i++) r.push(i); return r; }

// Pipelined sender: keeps up to `window` sends in flight, stops sending when
// state.stopped is set, and resolves when all its sends are acked or the socket closes.
function runSender(ws, label, room, { total, window }, state) {
  const sent = new Map();     // client_id → body
  const acked = new Map();    // client_id → {seq, id}
  const errors = [];
  const inflight = new Set();
  let next = 0;
  return {
    sent, acked, errors,
    done: new Promise((resolve) => {
      const pump = () => {
        while (!state.stopped && inflight.size < window && next < total) {
          const client_id = `dur-${label}-${next}`;
          const body = `${label}の耐久メッセージ${next}`;
          if (!ws.send({ type: 'send', room, client_id, body })) break;
          sent.set(client_id, body);
          inflight.add(client_id);
          next += 1;
        }
        if ((next >= total && inflight.size === 0) || (state.stopped && inflight.size === 0)) resolve();
      };
      ws.on((f) => {
        if ((f.type === 'ack' || f.type === 'error') && inflight.has(f.client_id)) {
          inflight.delete(f.client_id);
          if (f.type === 'ack') {
            acked.set(f.client_id, { seq: f.seq, id: f.id });
            state.acks += 1;
            if (state.onAck) state.onAck();
          } else {
            errors.push(f);
          }
          pump();
        }
      });
      ws.closed.then(() => resolve());
      pump();
    }),
  };
}

test('SIGKILL mid-stream: every acked message survives, seqs stay gapless, retries are exactly-once', T, async () => {
  const { tanaka, sato, suzuki, takahashi } = U;
  const G = (await createGroup(tanaka, '耐久テスト', [sato.id, suzuki.id, takahashi.id])).id;
  // a committed read position must survive too
  const pre = await postMessage(tanaka, G, 'クラッシュ前');
  assertStatus(await sato.post(`/api/rooms/${G}/read`, { seq: pre.seq }), 200);

  const sockets = [];
  for (const l of SENDERS) sockets.push(await U[l].ws({ label: `${l}-dur` }));

  const TOTAL = 150;
  const WINDOW = 12;
  const KILL_AT = 120;
  const state = { stopped: false, acks: 0 };
  let killed;
  const killedP = new Promise((r) => { killed = r; });
  state.onAck = () => {
    if (!state.stopped && state.acks >= KILL_AT) {
      state.stopped = true;
      srv.kill9().then(killed);
    }
  };
  const runs = SENDERS.map((l, i) => runSender(sockets[i], l, G, { total: TOTAL, window: WINDOW }, state));
  let timer;
  await Promise.race([
    Promise.all(runs.map((r) => r.done)),
    new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`senders did not finish; acks=${state.acks}`)), 30000); }),
  ]);
  clearTimeout(timer);
  assert.ok(state.stopped, `the server must have been killed mid-stream (acks=${state.acks})`);
  await killedP;
  for (const r of runs) assert.deepEqual(r.errors, [], 'no send errors before the crash');
  const totalSent = runs.reduce((n, r) => n + r.sent.size, 0);
  const totalAcked = runs.reduce((n, r) => n + r.acked.size, 0);
  assert.ok(totalSent < SENDERS.length * TOTAL, `killed mid-stream: sent ${totalSent} of ${SENDERS.length * TOTAL}`);
  assert.ok(totalAcked >= KILL_AT);

  await srv.start();
  const T2 = await login(srv, 'tanaka');
  const msgs = await fetchAllMessages(T2, G);

  // seqs gapless 1..N, ids unique
  assert.deepEqual(msgs.map((m) => m.seq), range(1, msgs.length), 'seqs 1..N without gaps after the crash');
  assert.equal(new Set(msgs.map((m) => m.id)).size, msgs.length, 'message ids unique');
  const sum = await roomSummary(T2, G);
  assert.equal(sum.msg_seq, msgs.length, 'room msg_seq equals the number of messages');

  const byCid = new Map();
  // msgs[0] is the system message room_created, msgs[1] 'クラッシュ前'.
  for (const m of msgs.slice(2)) {
    assert.ok(!byCid.has(m.client_id), `client_id ${m.client_id} stored twice`);
    byCid.set(m.client_id, m);
  }
  const allSent = new Map();
  runs.forEach((r, i) => { for (const [k, v] of r.sent) allSent.set(k, { body: v, sender: U[SENDERS[i]].id }); });
  for (const m of msgs.slice(2)) {
    const s = allSent.get(m.client_id);
    assert.ok(s, `stored message with unknown client_id ${m.client_id}`);
    assert.equal(m.body, s.body);
    assert.equal(m.sender, s.sender);
  }
  const lost = [];
  for (const r of runs) {
    for (const [k, a] of r.acked) {
      const m = byCid.get(k);
      if (!m) { lost.push(k); continue; }
      assert.equal(m.seq, a.seq, `${k}: stored seq equals the acked seq`);
      assert.equal(m.id, a.id, `${k}: stored id equals the acked id`);
    }
  }
  assert.deepEqual(lost, [], `acked messages lost by SIGKILL (${lost.length} of ${totalAcked})`);

  // the event log agrees with the messages: resuming from the cursor taken before the
  // stream replays one message.created per stored message, gapless, in seq order
  const c0 = sockets[0].welcome.rooms.find((r) => r.id === G).ev;
  const wsR = await T2.ws({ cursors: { [G]: c0 }, label: 'tanaka-after-crash' });
  const rep = wsR.log.slice(wsR.welcomeIndex + 1, wsR.syncedIndex).filter((f) => f.room === G);
  assert.deepEqual(rep.map((f) => f.type), new Array(msgs.length - 2).fill('message.created'), 'one event per stored message');
  assert.deepEqual(rep.map((f) => f.ev), range(c0 + 1, c0 + msgs.length - 2), 'events gapless after the crash');
  assert.deepEqual(rep.map((f) => f.message.seq), range(3, msgs.length));
  assert.equal(wsR.welcome.rooms.find((r) => r.id === G).ev, c0 + msgs.length - 2);
  await wsR.close();

  const sRead = await roomSummary(await login(srv, 'sato'), G);
  assert.ok(sRead.read_seq >= pre.seq, 'a committed read position survives SIGKILL');

  // Retry every unacked send (half over WS, half over REST) and a few acked ones:
  // each client_id must end up stored exactly once.
  const afterClients = {};
  for (const l of SENDERS) afterClients[l] = await login(srv, l);
  for (let i = 0; i < SENDERS.length; i++) {
    const l = SENDERS[i];
    const r = runs[i];
    const retry = [...r.sent.keys()].filter((k) => !r.acked.has(k));
    retry.push(...[...r.acked.keys()].slice(0, 3));
    if (i % 2 === 0) {
      const ws = await afterClients[l].ws({ label: `${l}-retry` });
      for (const k of retry) ws.send({ type: 'send', room: G, client_id: k, body: r.sent.get(k) });
      for (const k of retry) {
        const a = await ws.ack(k, 10000);
        assert.equal(a.type, 'ack', `WS retry of ${k}: ${JSON.stringify(a)}`);
        const stored = byCid.get(k);
        if (stored) {
          assert.equal(a.seq, stored.seq, `WS retry of committed ${k} returns the first message`);
          assert.equal(a.id, stored.id);
        }
      }
      await ws.close();
    } else {
      for (const k of retry) {
        const res = await afterClients[l].post(`/api/rooms/${G}/messages`, { client_id: k, body: r.sent.get(k) });
        const stored = byCid.get(k);
        if (stored) {
          assertStatus(res, 200, `REST retry of committed ${k}`);
          assert.equal(res.json.message.id, stored.id);
          assert.equal(res.json.message.seq, stored.seq);
        } else {
          assertStatus(res, 201, `REST retry of never-committed ${k}`);
        }
      }
    }
  }
  const final = await fetchAllMessages(T2, G);
  assert.deepEqual(final.map((m) => m.seq), range(1, final.length), 'still gapless after retries');
  const finalCids = final.slice(2).map((m) => m.client_id);
  assert.equal(new Set(finalCids).size, finalCids.length, 'no client_id stored twice after retries');
  assert.deepEqual(new Set(finalCids), new Set(allSent.keys()), 'every sent client_id stored exactly once');
});

test('idempotent send: same client_id over REST and WS yields exactly one message', T, async () => {
  const tanaka = await login(srv, 'tanaka');
  const sato = await login(srv, 'sato');
  const R = (await createGroup(tanaka, '冪等テスト', [sato.id])).id;
  const R2 = (await createGroup(tanaka, '冪等テスト2', [sato.id])).id;
  const wsS = await sato.ws();

  // REST: 201 then 200 with the same message, even with a different body
  const k1 = cid('idem');
  const r1 = await tanaka.post(`/api/rooms/${R}/messages`, { client_id: k1, body: '一回目' });
  assertStatus(r1, 201, 'first REST send');
  const r2 = await tanaka.post(`/api/rooms/${R}/messages`, { client_id: k1, body: '一回目' });
  assertStatus(r2, 200, 'REST retry');
  assert.equal(r2.json.message.id, r1.json.message.id);
  assert.equal(r2.json.message.seq, r1.json.message.seq);
  const r3 = await tanaka.post(`/api/rooms/${R}/messages`, { client_id: k1, body: '別の本文' });
  assertStatus(r3, 200, 'REST retry with another body');
  assert.equal(r3.json.message.id, r1.json.message.id);
  assert.equal(r3.json.message.body, '一回目', 'the first message is returned');
  const evAfterRest = (await roomSummary(tanaka, R)).ev;

  // WS: retry and a concurrent duplicate
  const wsT = await tanaka.ws();
  const k2 = cid('idem-ws');
  wsT.send({ type: 'send', room: R, client_id: k2, body: 'WS一回目' });
  const a1 = await wsT.ack(k2);
  assert.equal(a1.type, 'ack', JSON.stringify(a1));
  wsT.send({ type: 'send', room: R, client_id: k2, body: 'WS一回目' });
  const a2 = await wsT.ack(k2);
  assert.equal(a2.type, 'ack', JSON.stringify(a2));
  assert.deepEqual([a2.seq, a2.id], [a1.seq, a1.id], 'WS retry acks the first message');
  const k3 = cid('idem-dup');
  wsT.send({ type: 'send', room: R, client_id: k3, body: '同時重複' });
  wsT.send({ type: 'send', room: R, client_id: k3, body: '同時重複' });
  const d1 = await wsT.ack(k3);
  const d2 = await wsT.ack(k3);
  assert.equal(d1.type, 'ack', JSON.stringify(d1));
  assert.equal(d2.type, 'ack', JSON.stringify(d2));
  assert.deepEqual([d2.seq, d2.id], [d1.seq, d1.id], 'concurrent duplicates ack the same message');
  // REST with a client_id first used over WS
  const r4 = await tanaka.post(`/api/rooms/${R}/messages`, { client_id: k2, body: 'WS一回目' });
  assertStatus(r4, 200, 'REST retry of a WS send');
  assert.equal(r4.json.message.id, a1.id);

  // exactly one message.created per client_id reached the other member
  const last = await postMessage(tanaka, R, '区切り');
  await wsS.next((f) => f.type === 'message.created' && f.message.id === last.id, 3000, 'barrier');
  const created = wsS.seen((f) => f.type === 'message.created' && f.room === R).map((f) => f.message.client_id);
  assert.equal(created.filter((c) => c === k2).length, 1, 'one message.created for the WS retry');
  assert.equal(created.filter((c) => c === k3).length, 1, 'one message.created for the concurrent duplicate');
  const evNow = (await roomSummary(tanaka, R)).ev;
  assert.equal(evNow, evAfterRest + 3, 'retries create no events (k2, k3, barrier only)');

  // idempotency is per sender and per room
  const r5 = await sato.post(`/api/rooms/${R}/messages`, { client_id: k1, body: '佐藤の同じID' });
  assertStatus(r5, 201, 'same client_id from another sender is a new message');
  assert.notEqual(r5.json.message.id, r1.json.message.id);
  const r6 = await tanaka.post(`/api/rooms/${R2}/messages`, { client_id: k1, body: '別ルーム' });
  assertStatus(r6, 201, 'same client_id in another room is a new message');

  const all = await fetchAllMessages(tanaka, R);
  assert.deepEqual(all.map((m) => m.seq), range(1, all.length));
  assert.equal(all.length, 6, 'room_created, k1, k2, k3, barrier, sato k1');
  assert.deepEqual(wsS.evErrors, []);
  assert.deepEqual(wsT.evErrors, []);
  await wsT.close();
  await wsS.close();
  await sleep(0);
});

test('acknowledged edits, deletes, renames, membership changes and reads survive SIGKILL', T, async () => {
  const tanaka = await login(srv, 'tanaka');
  const sato = await login(srv, 'sato');
  const suzuki = await login(srv, 'suzuki');
  const R = (await createGroup(tanaka, 'クラッシュ前の部屋', [sato.id, suzuki.id])).id;
  const m1 = await postMessage(tanaka, R, '編集される');
  const m2 = await postMessage(tanaka, R, '削除される');
  await postMessage(sato, R, '読まれる');
  assertStatus(await tanaka.patch(`/api/rooms/${R}/messages/${m1.seq}`, { body: '編集済み' }), 200);
  assertStatus(await tanaka.del(`/api/rooms/${R}/messages/${m2.seq}`), 200);
  assertStatus(await tanaka.patch(`/api/rooms/${R}`, { name: 'クラッシュ後の部屋' }), 200);
  assertStatus(await tanaka.del(`/api/rooms/${R}/members/${suzuki.id}`), 200);
  assertStatus(await tanaka.post(`/api/rooms/${R}/read`, { seq: 4 }), 200);
  const evBefore = (await roomSummary(tanaka, R)).ev;
  await srv.kill9();
  await srv.start();
  const t2 = await login(srv, 'tanaka');
  const s2 = await login(srv, 'suzuki');
  const all = await fetchAllMessages(t2, R);
  assert.deepEqual(all.filter((m) => m.kind === 'system').map((m) => m.system.action), ['room_created', 'renamed', 'member_removed']);
  const h = all.filter((m) => m.kind !== 'system');
  assert.deepEqual(h.map((m) => [m.seq, m.body, m.deleted]), [[2, '編集済み', false], [3, '', true], [4, '読まれる', false]]);
  assert.equal(typeof h[0].edited_at, 'number');
  const sum = await roomSummary(t2, R);
  assert.equal(sum.name, 'クラッシュ後の部屋');
  assert.equal(sum.member_count, 2);
  assert.equal(sum.read_seq, 6, 'tanaka\'s own system messages moved his read position');
  assert.equal(sum.ev, evBefore, 'no events lost or added');
  assert.equal(h[2].read_count, 1, 'tanaka has read sato\'s message');
  assert.ok(!(await s2.get('/api/rooms')).json.rooms.some((r) => r.id === R), 'removal survived');
});
