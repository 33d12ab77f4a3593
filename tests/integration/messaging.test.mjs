// Messaging: direct & group rooms, realtime delivery, edit/delete, history paging,
// membership changes and the room list (docs/api.md: Rooms, Messages, WebSocket).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, cid, sleep } from './lib/client.mjs';
import {
  fileSetup, demoServer, demoServerWithLimits, loginAll, assertError, assertStatus, assertGojuon, assertMessageShape,
  assertUserShape, createGroup, postMessage, roomSummary,
} from './lib/util.mjs';

fileSetup();

let srv;
let U;             // demo clients by login
let DIRECT;        // tanaka <-> sato direct room id
const T = { timeout: 30000 };

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'watanabe']);
});

function assertDenied(r, ctx) {
  assert.ok(r.status === 403 || r.status === 404, `${ctx}: expected 403/404, got ${r.status}: ${r.text}`);
  assertError(r, r.status, r.status === 403 ? 'permission_denied' : 'not_found', ctx);
}

// Wait `ms` and then check that no frame matching pred arrived (negative assertion).
async function assertNoFrame(ws, pred, ms, ctx) {
  await sleep(ms);
  await ws.ping();
  const got = ws.seen(pred);
  assert.equal(got.length, 0, `${ctx}: unexpected frame(s): ${JSON.stringify(got).slice(0, 500)}`);
}

test('POST /api/direct returns the same 1:1 room every time, from both sides', T, async () => {
  const { tanaka, sato } = U;
  const r1 = await tanaka.post('/api/direct', { user: sato.id });
  assertStatus(r1, 200, 'first POST /api/direct');
  const room = r1.json.room;
  assert.equal(room.kind, 'direct');
  assert.equal(room.peer, sato.id, 'peer is the other user');
  assert.equal(room.name, sato.user.name, 'a direct room is named after the other person');
  assert.equal(typeof room.id, 'number');
  DIRECT = room.id;

  const r2 = await tanaka.post('/api/direct', { user: sato.id });
  assertStatus(r2, 200, 'second POST /api/direct');
  assert.equal(r2.json.room.id, DIRECT, 'same room on the second call');

  const r3 = await sato.post('/api/direct', { user: tanaka.id });
  assertStatus(r3, 200, 'POST /api/direct from the peer');
  assert.equal(r3.json.room.id, DIRECT, 'the peer gets the same room');
  assert.equal(r3.json.room.peer, tanaka.id);
  assert.equal(r3.json.room.name, tanaka.user.name);

  assertError(await tanaka.post('/api/direct', { user: 987654321 }), 404, 'not_found', 'direct with unknown user');
  assertError(await tanaka.post('/api/direct', { user: 'sato' }), 400, 'invalid_argument', 'direct with a non-integer user');
});

test('WS send gets an ack and arrives as message.created to the peer at once', T, async () => {
  const { tanaka, sato } = U;
  const wsT = await tanaka.ws();
  const wsS = await sato.ws();
  assert.equal(wsT.welcome.user.id, tanaka.id, 'welcome.user is the caller');
  assert.equal(typeof wsT.welcome.server_time, 'number');
  const wr = wsT.welcome.rooms.find((r) => r.id === DIRECT);
  assert.ok(wr, `welcome.rooms lists the direct room: ${JSON.stringify(wsT.welcome.rooms)}`);
  assert.equal(typeof wr.ev, 'number');
  const evBefore = wsS.cursors.get(DIRECT);

  const body = '明日の会議は10時からです';
  const t0 = Date.now();
  const clientId = wsT.sendMessage(DIRECT, body);
  const ack = await wsT.ack(clientId);
  assert.equal(ack.type, 'ack', `expected ack, got ${JSON.stringify(ack)}`);
  assert.equal(ack.client_id, clientId);
  assert.equal(ack.room, DIRECT);
  assert.equal(ack.seq, 1, 'first message of a fresh direct room has seq 1');
  assert.equal(typeof ack.id, 'number');

  const got = await wsS.next((f) => f.type === 'message.created' && f.room === DIRECT && f.message.client_id === clientId, 2000, 'message.created at sato');
  assert.ok(Date.now() - t0 < 2000, 'delivered promptly');
  assert.equal(got.ev, evBefore + 1, 'the event number follows the welcome ev');
  const m = got.message;
  assertMessageShape(m, 'message.created');
  assert.equal(m.id, ack.id);
  assert.equal(m.seq, ack.seq);
  assert.equal(m.room, DIRECT);
  assert.equal(m.sender, tanaka.id);
  assert.equal(m.sender_name, tanaka.user.name);
  assert.equal(m.body, body);
  assert.equal(m.deleted, false);
  assert.equal(m.edited_at, null);
  assert.equal(m.reply_to, null);
  assert.deepEqual(m.mentions, []);
  assert.equal(m.mention_all, false);

  const own = await wsT.next((f) => f.type === 'message.created' && f.room === DIRECT && f.message.client_id === clientId, 2000, 'message.created at the sender');
  assert.equal(own.ev, got.ev, 'both members see the same ev');

  // a second message from the other side goes the other way
  const c2 = wsS.sendMessage(DIRECT, 'はい、承知しました');
  const ack2 = await wsS.ack(c2);
  assert.equal(ack2.type, 'ack', JSON.stringify(ack2));
  assert.equal(ack2.seq, 2);
  const got2 = await wsT.next((f) => f.type === 'message.created' && f.message.client_id === c2, 2000, 'second message at tanaka');
  assert.equal(got2.ev, own.ev + 1);
  assert.equal(got2.message.sender, sato.id);

  // WS send errors carry the client_id
  const bad = wsT.sendMessage(DIRECT, '   ');
  const err = await wsT.ack(bad);
  assert.equal(err.type, 'error', `blank body must be rejected: ${JSON.stringify(err)}`);
  assert.equal(err.error.code, 'invalid_argument');

  assert.deepEqual(wsT.evErrors, []);
  assert.deepEqual(wsS.evErrors, []);
  await wsT.close();
  await wsS.close();
});

test('REST POST: reply_to snapshot, mentions, mention_all, validation', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const wsT = await tanaka.ws();
  const r = await sato.post(`/api/rooms/${DIRECT}/messages`, {
    client_id: cid('rest'), body: '了解しました @田中', reply_to: 1, mentions: [tanaka.id], mention_all: false,
  });
  assertStatus(r, 201, 'POST message');
  const m = r.json.message;
  assertMessageShape(m, 'REST reply');
  assert.equal(m.seq, 3);
  assert.equal(m.sender, sato.id);
  assert.deepEqual(m.mentions, [tanaka.id]);
  assert.equal(m.mention_all, false);
  assert.deepEqual(m.reply_to, { seq: 1, sender: tanaka.id, sender_name: tanaka.user.name, body: '明日の会議は10時からです' });

  const ev = await wsT.next((f) => f.type === 'message.created' && f.message.id === m.id, 2000, 'REST message over WS');
  assert.deepEqual(ev.message.reply_to, m.reply_to);
  assert.deepEqual(ev.message.mentions, [tanaka.id]);
  assert.equal(ev.message.body, m.body);

  // reply_to body is cut to 100 characters
  const long = 'あいうえおかきくけこ'.repeat(15); // 150 characters
  const lm = await postMessage(tanaka, DIRECT, long);
  const reply = await postMessage(sato, DIRECT, '長文への返信', { reply_to: lm.seq });
  const snap = reply.reply_to.body;
  const core = snap.replace(/(…|\.\.\.)$/, '');
  assert.ok([...snap].length <= 101, `reply_to.body must be cut to ~100 characters, got ${[...snap].length}`);
  assert.ok([...core].length >= 97, `reply_to.body should keep ~100 characters, got ${[...core].length}`);
  assert.ok(long.startsWith(core), 'reply_to.body is a prefix of the quoted message');
  assert.equal(reply.reply_to.seq, lm.seq);

  const all = await postMessage(tanaka, DIRECT, '全員確認お願いします', { mention_all: true });
  assert.equal(all.mention_all, true);

  // mentions must be members; reply_to must exist in the room
  assertError(await tanaka.post(`/api/rooms/${DIRECT}/messages`, { client_id: cid(), body: 'x', mentions: [suzuki.id] }),
    400, 'invalid_argument', 'mention of a non-member');
  assertError(await tanaka.post(`/api/rooms/${DIRECT}/messages`, { client_id: cid(), body: 'x', reply_to: 9999 }),
    400, 'invalid_argument', 'reply_to an unknown seq');
  assert.deepEqual(wsT.evErrors, []);
  await wsT.close();
});

test('message body and client_id validation', T, async () => {
  const { tanaka } = U;
  const url = `/api/rooms/${DIRECT}/messages`;
  const sum0 = await roomSummary(tanaka, DIRECT);
  assertError(await tanaka.post(url, { client_id: cid(), body: '' }), 400, 'invalid_argument', 'empty body');
  assertError(await tanaka.post(url, { client_id: cid(), body: ' \n\t　 ' }), 400, 'invalid_argument', 'white-space body');
  assertError(await tanaka.post(url, { client_id: cid(), body: 'あ'.repeat(10001) }), 400, 'invalid_argument', '10,001 characters');
  assertError(await tanaka.post(url, { client_id: cid(), body: 42 }), 400, 'invalid_argument', 'numeric body');
  assertError(await tanaka.post(url, { client_id: 'x'.repeat(65), body: 'ok' }), 400, 'invalid_argument', '65-char client_id');
  assertError(await tanaka.post(url, { client_id: 'ｸﾗｲｱﾝﾄ', body: 'ok' }), 400, 'invalid_argument', 'non-ASCII client_id');
  const mid = await tanaka.get('/api/rooms');
  assert.equal(mid.json.rooms.find((x) => x.id === DIRECT).msg_seq, sum0.msg_seq, 'rejected posts create nothing');

  // 10,000 characters (30,000 bytes of UTF-8) is accepted
  const r = await tanaka.post(url, { client_id: 'x'.repeat(64), body: 'あ'.repeat(10000) });
  assertStatus(r, 201, '10,000 characters');
  assert.equal([...r.json.message.body].length, 10000);
  assert.equal(r.json.message.seq, sum0.msg_seq + 1);
});

test('edit and delete propagate; only the sender may edit or delete', T, async () => {
  const { tanaka, sato } = U;
  const wsS = await sato.ws();
  const orig = await postMessage(tanaka, DIRECT, '会議室はA会議室です', { mentions: [sato.id], reply_to: 1 });
  await wsS.next((f) => f.type === 'message.created' && f.message.id === orig.id, 2000, 'created');

  const url = `/api/rooms/${DIRECT}/messages/${orig.seq}`;
  assertDenied(await sato.patch(url, { body: '乗っ取り' }), 'PATCH by a non-sender');
  assertDenied(await sato.del(url), 'DELETE by a non-sender');

  const e = await tanaka.patch(url, { body: '会議室はB会議室に変更です' });
  assertStatus(e, 200, 'PATCH own message');
  const em = e.json.message;
  assert.equal(em.id, orig.id);
  assert.equal(em.seq, orig.seq);
  assert.equal(em.body, '会議室はB会議室に変更です');
  assert.equal(typeof em.edited_at, 'number', 'edited_at set after an edit');
  assert.ok(em.edited_at >= orig.created_at);
  assert.equal(em.deleted, false);

  const edited = await wsS.next((f) => f.type === 'message.edited' && f.room === DIRECT, 2000, 'message.edited');
  assert.equal(edited.message.id, orig.id);
  assert.equal(edited.message.body, '会議室はB会議室に変更です');
  assert.equal(typeof edited.message.edited_at, 'number');

  assertError(await tanaka.patch(url, { body: '  ' }), 400, 'invalid_argument', 'edit to a blank body');

  const d = await tanaka.del(url);
  assertStatus(d, 200, 'DELETE own message');
  const dm = d.json.message;
  assert.equal(dm.id, orig.id);
  assert.equal(dm.seq, orig.seq);
  assert.equal(dm.deleted, true);
  assert.equal(dm.body, '');
  assert.deepEqual(dm.mentions, []);
  assert.equal(dm.mention_all, false);
  assert.equal(dm.reply_to, null);

  const del = await wsS.next((f) => f.type === 'message.deleted' && f.room === DIRECT, 2000, 'message.deleted');
  assert.equal(del.message.id, orig.id);
  assert.equal(del.message.deleted, true);
  assert.equal(del.message.body, '');
  assert.equal(del.ev, edited.ev + 1);

  const h = await tanaka.get(`/api/rooms/${DIRECT}/messages?after=${orig.seq - 1}&limit=1`);
  assertStatus(h, 200);
  assert.equal(h.json.messages[0].seq, orig.seq);
  assert.equal(h.json.messages[0].deleted, true);
  assert.equal(h.json.messages[0].body, '');

  const again = await tanaka.patch(url, { body: '復活' });
  assert.ok([400, 404, 409].includes(again.status), `editing a deleted message must fail, got ${again.status}: ${again.text}`);
  assertError(await tanaka.patch(`/api/rooms/${DIRECT}/messages/99999`, { body: 'x' }), 404, 'not_found', 'edit an unknown seq');
  assertError(await tanaka.del(`/api/rooms/${DIRECT}/messages/99999`), 404, 'not_found', 'delete an unknown seq');
  assert.deepEqual(wsS.evErrors, []);
  await wsS.close();
});

test('history paging with before / after / limit and has_more', T, async () => {
  const { tanaka, sato } = U;
  const room = await createGroup(tanaka, 'ページングPJ', [sato.id]);
  const sent = [];
  for (let i = 1; i <= 7; i++) sent.push(await postMessage(tanaka, room.id, `メッセージ${i}`));
  assert.deepEqual(sent.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7]);

  const page = async (q) => {
    const r = await sato.get(`/api/rooms/${room.id}/messages?${q}`);
    assertStatus(r, 200, q);
    for (const m of r.json.messages) {
      assertMessageShape(m, q);
      assert.equal(typeof m.read_count, 'number', 'history messages carry read_count');
    }
    return { seqs: r.json.messages.map((m) => m.seq), more: r.json.has_more, msgs: r.json.messages };
  };

  let p = await page('limit=3');
  assert.deepEqual(p.seqs, [5, 6, 7], 'latest 3 in ascending order');
  assert.equal(p.more, true);
  assert.deepEqual(p.msgs.map((m) => m.body), ['メッセージ5', 'メッセージ6', 'メッセージ7']);
  p = await page('before=5&limit=3');
  assert.deepEqual(p.seqs, [2, 3, 4]);
  assert.equal(p.more, true);
  p = await page('before=2&limit=3');
  assert.deepEqual(p.seqs, [1]);
  assert.equal(p.more, false);
  p = await page('before=3&limit=2');
  assert.deepEqual(p.seqs, [1, 2]);
  assert.equal(p.more, false, 'exactly filled page with nothing older: has_more=false');
  p = await page('after=1&limit=2');
  assert.deepEqual(p.seqs, [2, 3]);
  assert.equal(p.more, true);
  p = await page('after=3&limit=4');
  assert.deepEqual(p.seqs, [4, 5, 6, 7]);
  assert.equal(p.more, false);
  p = await page('after=7');
  assert.deepEqual(p.seqs, []);
  assert.equal(p.more, false);
  p = await page('');
  assert.deepEqual(p.seqs, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(p.more, false);
  assert.equal(p.msgs[0].read_count, 0, 'sato has not read anything yet');
  // after=0 means "seq > 0": the oldest messages, not the latest
  p = await page('after=0&limit=3');
  assert.deepEqual(p.seqs, [1, 2, 3], 'after=0&limit=3 must return seqs 1..3 (messages with seq > 0, ascending from the oldest)');
  assert.equal(p.more, true);
});

test('group room: create, rename, add member, remove member, leave', T, async () => {
  const { tanaka, sato, suzuki, takahashi, yamada } = U;
  const wsT = await tanaka.ws();
  const wsS = await sato.ws();
  const wsZ = await suzuki.ws();
  const wsK = await takahashi.ws();
  const wsY = await yamada.ws();

  const cr = await tanaka.post('/api/rooms', { name: '防災訓練PJ', members: [sato.id, suzuki.id] });
  assertStatus(cr, 201, 'create group room');
  const room = cr.json.room;
  const R = room.id;
  assert.equal(room.kind, 'group');
  assert.equal(room.name, '防災訓練PJ');
  assert.equal(room.role, 'owner');
  assert.equal(room.member_count, 3);
  assert.equal(room.peer, null);

  for (const [ws, who] of [[wsS, 'sato'], [wsZ, 'suzuki'], [wsT, 'tanaka (creator)']]) {
    const a = await ws.next((f) => f.type === 'room.added' && f.room && f.room.id === R, 3000, `room.added at ${who}`);
    assert.equal(a.room.name, '防災訓練PJ');
    assert.equal(a.room.kind, 'group');
  }

  // validation
  assertError(await tanaka.post('/api/rooms', { name: '', members: [sato.id] }), 400, 'invalid_argument', 'empty name');
  assertError(await tanaka.post('/api/rooms', { name: 'あ'.repeat(101), members: [sato.id] }), 400, 'invalid_argument', '101-char name');

  const det = await sato.get(`/api/rooms/${R}`);
  assertStatus(det, 200, 'room detail');
  assert.equal(det.json.room.role, 'member', 'sato is a member');
  assert.equal(det.json.members.length, 3);
  det.json.members.forEach((m) => assertUserShape(m.user));
  assertGojuon(det.json.members.map((m) => m.user), 'room members');
  const roles = Object.fromEntries(det.json.members.map((m) => [m.user.login, m.role]));
  assert.deepEqual(roles, { tanaka: 'owner', sato: 'member', suzuki: 'member' });

  // rename: the owner may, a plain member may not (rules.members_edit is off by default)
  assertError(await sato.patch(`/api/rooms/${R}`, { name: '乗っ取り' }), 403, 'permission_denied', 'a plain member renames');
  const rn = await tanaka.patch(`/api/rooms/${R}`, { name: '防災訓練PJ2025' });
  assertStatus(rn, 200, 'rename');
  assert.equal(rn.json.room.name, '防災訓練PJ2025');
  const upd = await wsS.next((f) => f.type === 'room.updated' && f.room === R, 2000, 'room.updated');
  assert.equal(upd.name, '防災訓練PJ2025');
  assert.equal(upd.by, tanaka.id);
  assertError(await tanaka.patch(`/api/rooms/${R}`, { name: '' }), 400, 'invalid_argument', 'rename to empty');

  // any member may add; already-present users are skipped
  const ad = await sato.post(`/api/rooms/${R}/members`, { users: [takahashi.id] });
  assertStatus(ad, 200, 'add member');
  assert.deepEqual(ad.json.added, [takahashi.id]);
  // (creating a room may itself emit member.joined for the initial members: skip those)
  const joined = await wsT.next((f) => f.type === 'member.joined' && f.room === R && f.users.some((u) => u.id === takahashi.id), 2000, 'member.joined');
  assert.equal(joined.by, sato.id);
  assert.deepEqual(joined.users.map((u) => u.id), [takahashi.id]);
  assert.equal(joined.ev, upd.ev + 2, 'after room.updated and its system message');
  const added = await wsK.next((f) => f.type === 'room.added' && f.room && f.room.id === R, 3000, 'room.added at takahashi');
  assert.equal(added.room.name, '防災訓練PJ2025');
  assert.equal(added.room.member_count, 4);
  const ad2 = await tanaka.post(`/api/rooms/${R}/members`, { users: [takahashi.id, suzuki.id] });
  assertStatus(ad2, 200, 're-add');
  assert.deepEqual(ad2.json.added, []);

  // the added user's live socket now receives the room's events
  const m1 = await postMessage(tanaka, R, 'ようこそ高橋さん');
  const live = await wsK.next((f) => f.type === 'message.created' && f.room === R && f.message.kind !== 'system', 2000, 'live message at the added user');
  assert.equal(live.message.id, m1.id);
  assertStatus(await takahashi.get(`/api/rooms/${R}/messages`), 200, 'added user reads history');

  // removing others needs owner or admin
  assertError(await sato.del(`/api/rooms/${R}/members/${suzuki.id}`), 403, 'permission_denied', 'member removes another member');

  const rm = await tanaka.del(`/api/rooms/${R}/members/${takahashi.id}`);
  assertStatus(rm, 200, 'owner removes takahashi');
  const left = await wsS.next((f) => f.type === 'member.left' && f.room === R, 2000, 'member.left');
  assert.equal(left.user, takahashi.id);
  assert.equal(left.by, tanaka.id);
  const removed = await wsK.next((f) => f.type === 'room.removed' && f.room === R, 2000, 'room.removed at takahashi');
  assert.equal(removed.room, R);
  assertError(await takahashi.get(`/api/rooms/${R}/messages`), 404, 'not_found', 'removed user reads history');
  await postMessage(tanaka, R, '高橋さんには届かない');
  await wsS.next((f) => f.type === 'message.created' && f.room === R && f.message.body === '高橋さんには届かない', 2000, 'barrier');
  await assertNoFrame(wsK, (f) => f.type === 'message.created' && f.room === R && f.message.body === '高橋さんには届かない', 300, 'removed user');

  // leaving
  const lv = await suzuki.del(`/api/rooms/${R}/members/${suzuki.id}`);
  assertStatus(lv, 200, 'suzuki leaves');
  const left2 = await wsT.next((f) => f.type === 'member.left' && f.room === R && f.user === suzuki.id, 2000, 'member.left (leave)');
  assert.equal(left2.by, suzuki.id, 'by equals user when leaving');
  await wsZ.next((f) => f.type === 'room.removed' && f.room === R, 2000, 'room.removed at suzuki');
  assert.ok(!(await suzuki.get('/api/rooms')).json.rooms.some((x) => x.id === R), 'left room is no longer listed');

  // a municipality admin who is a member may remove others
  assertStatus(await tanaka.post(`/api/rooms/${R}/members`, { users: [yamada.id] }), 200, 'add yamada');
  await wsY.next((f) => f.type === 'room.added' && f.room && f.room.id === R, 3000, 'room.added at yamada');
  assert.equal(yamada.user.role, 'admin', 'yamada is the demo admin');
  assertStatus(await yamada.del(`/api/rooms/${R}/members/${sato.id}`), 200, 'admin removes sato');
  await wsS.next((f) => f.type === 'room.removed' && f.room === R, 2000, 'room.removed at sato');
  const left3 = await wsT.next((f) => f.type === 'member.left' && f.room === R && f.user === sato.id, 2000, 'member.left (admin)');
  assert.equal(left3.by, yamada.id);

  const fin = await tanaka.get(`/api/rooms/${R}`);
  assertStatus(fin, 200);
  assert.deepEqual(fin.json.members.map((m) => m.user.id).sort((a, b) => a - b), [tanaka.id, yamada.id].sort((a, b) => a - b));
  assert.equal(fin.json.room.member_count, 2);

  // group-only operations on a direct room fail
  for (const [what, r] of [
    ['rename direct', await tanaka.patch(`/api/rooms/${DIRECT}`, { name: 'x' })],
    ['add to direct', await tanaka.post(`/api/rooms/${DIRECT}/members`, { users: [suzuki.id] })],
    ['leave direct', await tanaka.del(`/api/rooms/${DIRECT}/members/${tanaka.id}`)],
  ]) {
    assert.ok(r.status >= 400 && r.status < 500, `${what}: must be refused, got ${r.status} ${r.text}`);
  }
  const d = await tanaka.get(`/api/rooms/${DIRECT}`);
  assert.equal(d.json.members.length, 2, 'direct room still has two members');

  for (const ws of [wsT, wsS, wsZ, wsK, wsY]) assert.deepEqual(ws.evErrors, [], `${ws.label} ev order`);
  for (const ws of [wsT, wsS, wsZ, wsK, wsY]) await ws.close();
});

test('room list: unread, mention_unread, read_seq and ordering by last activity', T, async () => {
  const { tanaka, sato } = U;
  const demo = (await tanaka.get('/api/rooms')).json.rooms;
  assert.ok(demo.some((r) => r.kind === 'group'), 'tanaka has at least one demo group room');

  const A = (await createGroup(tanaka, '未読テストA', [sato.id])).id;
  const B = (await createGroup(tanaka, '未読テストB', [sato.id])).id;
  await postMessage(sato, A, '連絡1');
  await postMessage(sato, A, '連絡2 @田中', { mentions: [tanaka.id] });
  await postMessage(sato, A, '連絡3 @all', { mention_all: true });

  let a = await roomSummary(tanaka, A);
  assert.equal(a.msg_seq, 3);
  assert.equal(a.read_seq, 0);
  assert.equal(a.unread, 3);
  assert.equal(a.mention_unread, 2);
  assert.equal(a.last_message.seq, 3);
  assert.equal(a.last_message.body, '連絡3 @all');
  assert.equal(typeof a.ev, 'number');
  assert.equal(typeof a.last_activity, 'number');
  assert.equal(a.role, 'owner');
  const sa = await roomSummary(sato, A);
  assert.equal(sa.read_seq, 3, 'posting moves the sender read position');
  assert.equal(sa.unread, 0);
  assert.equal(sa.mention_unread, 0);
  assert.equal(sa.role, 'member');

  const rd = await tanaka.post(`/api/rooms/${A}/read`, { seq: 2 });
  assertStatus(rd, 200);
  assert.equal(rd.json.read_seq, 2);
  a = await roomSummary(tanaka, A);
  assert.equal(a.unread, 1);
  assert.equal(a.mention_unread, 1, 'the @all message is still unread');

  await sleep(25);
  await postMessage(sato, B, 'Bの連絡');
  let list = (await tanaka.get('/api/rooms')).json.rooms;
  const idx = (id) => list.findIndex((r) => r.id === id);
  assert.ok(idx(B) >= 0 && idx(A) >= 0);
  assert.ok(idx(B) < idx(A), 'B (newest activity) is listed before A');
  for (let i = 1; i < list.length; i++) {
    assert.ok(list[i - 1].last_activity >= list[i].last_activity, `rooms sorted by last_activity desc at ${i}`);
  }

  await sleep(25);
  await postMessage(tanaka, A, '返信');
  list = (await tanaka.get('/api/rooms')).json.rooms;
  assert.ok(idx(A) < idx(B), 'A moves to the top after new activity');
  assert.equal(idx(A), 0, 'A is the most recent room');
  a = list[idx(A)];
  assert.equal(a.unread, 0, 'own post moves the read position');
  assert.equal(a.mention_unread, 0);
  assert.equal(a.read_seq, 4);
});

test('a direct room opened while the peer is connected delivers to the peer live', T, async () => {
  const { tanaka, watanabe } = U;
  const wsW = await watanabe.ws();
  const d = await tanaka.post('/api/direct', { user: watanabe.id });
  assertStatus(d, 200);
  const m = await postMessage(tanaka, d.json.room.id, '渡辺さん、少しよろしいですか');
  const got = await wsW.next((f) => f.type === 'message.created' && f.room === d.json.room.id, 3000, 'first DM at the connected peer');
  assert.equal(got.message.id, m.id);
  assert.deepEqual(wsW.evErrors, []);
  await wsW.close();
});

test('a deleted mention no longer counts in mention_unread; last_message follows edits and deletes', T, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(sato, 'メンション削除', [tanaka.id])).id;
  const m = await postMessage(sato, R, '@田中 至急', { mentions: [tanaka.id] });
  let s = await roomSummary(tanaka, R);
  assert.equal(s.unread, 1);
  assert.equal(s.mention_unread, 1);
  assertStatus(await sato.del(`/api/rooms/${R}/messages/${m.seq}`), 200);
  s = await roomSummary(tanaka, R);
  assert.equal(s.unread, 1, 'the deleted message keeps its seq');
  assert.equal(s.mention_unread, 0, 'a deleted message has no mentions');
  assert.equal(s.last_message.deleted, true);
  assert.equal(s.last_message.body, '');
});

test('a removed member who is added again gets room.added and live events again', T, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(tanaka, '再参加', [sato.id])).id;
  const wsS = await sato.ws();
  assertStatus(await tanaka.del(`/api/rooms/${R}/members/${sato.id}`), 200);
  await wsS.next((f) => f.type === 'room.removed' && f.room === R, 2000, 'room.removed');
  await postMessage(tanaka, R, '不在中');
  assertStatus(await tanaka.post(`/api/rooms/${R}/members`, { users: [sato.id] }), 200);
  const added = await wsS.next((f) => f.type === 'room.added' && f.room && f.room.id === R, 3000, 'room.added again');
  assert.equal(added.room.msg_seq, 1);
  const m = await postMessage(tanaka, R, 'おかえりなさい');
  const got = await wsS.next((f) => f.type === 'message.created' && f.message.id === m.id, 3000, 'live event after re-join');
  assert.equal(got.room, R);
  const h = await sato.get(`/api/rooms/${R}/messages`);
  assertStatus(h, 200, 'history after re-join');
  assert.deepEqual(h.json.messages.map((x) => x.body), ['不在中', 'おかえりなさい']);
  await wsS.close();
});

test('history limit is capped at 200', T, async () => {
  // 205 messages from one sender at once: on a server without the per-user message rate
  // (limits.test.mjs tests that).
  const own = await demoServerWithLimits({ messages_per_second: 0 });
  const tanaka = await login(own, 'tanaka');
  const sato = await login(own, 'sato');
  const R = (await createGroup(tanaka, '上限', [sato.id])).id;
  const ws = await tanaka.ws();
  const items = [];
  for (let i = 0; i < 205; i++) items.push({ room: R, body: `上限${i}` });
  for (const a of await ws.sendMany(items, { window: 32 })) assert.equal(a.type, 'ack');
  await ws.close();
  const r = await sato.get(`/api/rooms/${R}/messages?limit=1000`);
  if (r.status === 200) {
    assert.equal(r.json.messages.length, 200, 'limit > 200 returns at most 200');
    assert.equal(r.json.messages[0].seq, 6);
    assert.equal(r.json.has_more, true);
  } else {
    assertError(r, 400, 'invalid_argument', 'limit=1000');
  }
  const d = await sato.get(`/api/rooms/${R}/messages`);
  assert.equal(d.json.messages.length, 50, 'default limit 50');
  assert.equal(d.json.messages[49].seq, 205);
  assert.equal(d.json.has_more, true);
});

// With one I/O thread, connections run on the io_context's own executor instead of a strand
// each (src/http/server.cc); the store's writer still completes posts from its own thread.
test('a server with one I/O thread acks, delivers and serves history', T, async () => {
  const one = await demoServer({ extraArgs: ['--threads', '1'] });
  try {
    const { tanaka, sato } = await loginAll(one, ['tanaka', 'sato']);
    const room = (await createGroup(tanaka, '一スレッド確認', [sato.id])).id;
    const wsT = await tanaka.ws();
    const wsS = await sato.ws();
    const ids = [];
    for (let i = 1; i <= 20; i++) ids.push(wsT.sendMessage(room, `連絡 ${i}`));
    for (const [i, id] of ids.entries()) {
      const ack = await wsT.ack(id);
      assert.equal(ack.type, 'ack', `ack ${i}: ${JSON.stringify(ack)}`);
      assert.equal(ack.seq, i + 1, 'acks come in order with consecutive seqs');
    }
    for (let i = 1; i <= 20; i++) {
      const f = await wsS.next((x) => x.type === 'message.created' && x.room === room && x.message.seq === i, 5000);
      assert.equal(f.message.body, `連絡 ${i}`);
    }
    const h = await sato.get(`/api/rooms/${room}/messages?limit=50`);
    assertStatus(h, 200, 'history on a one-thread server');
    assert.equal(h.json.messages.length, 20);
    await wsT.close();
    await wsS.close();
  } finally {
    await one.stop();
  }
});
