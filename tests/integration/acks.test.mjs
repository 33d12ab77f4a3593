// 確認必須 (issue 23): messages that must be acknowledged — posting one (REST and WebSocket),
// 確認しました from several members live and after a resume, idempotence, the lists of who
// has and has not confirmed (by department, 五十音), reminders that reach only the unacked,
// and the refusals (a non-member, another municipality, an ordinary or deleted message, a
// member who is not the sender asking for the lists). Distinct from 既読: reading never
// acknowledges.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, cid } from './lib/client.mjs';
import { createTenant, createUser } from './lib/server.mjs';
import {
  fileSetup, demoServerWithLimits, loginAll, assertError, assertStatus, createGroup, roomSummary,
} from './lib/util.mjs';

fileSetup({ watchdogMs: 240000 });

const T = { timeout: 90000 };

let srv;
let U;     // demo users by login
let kato;  // another municipality's user

before(async () => {
  srv = await demoServerWithLimits({
    write_burst: 100000, writes_per_second: 100000, message_burst: 100000, messages_per_second: 100000,
  });
  // yamada: 情報システム係; takahashi: 危機管理課; sato, suzuki, ito, tanaka: its 防災係;
  // watanabe: 維持係 (建設部). Readings: いとう さとう すずき たかはし たなか やまだ わたなべ.
  U = await loginAll(srv, ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe', 'kobayashi']);
  await createTenant(srv.dataDir, { code: '999003', name: 'かえで村' });
  await createUser(srv.dataDir, { tenant: '999003', login: 'kato', name: '加藤 一郎', reading: 'かとう いちろう', password: 'kaede-pass-1' });
  kato = await login(srv, 'kato', { tenant: '999003', password: 'kaede-pass-1' });
});

const M = (room, seq) => `/api/rooms/${room}/messages/${seq}`;
const ack = (c, room, seq) => c.req('PUT', `${M(room, seq)}/ack`);
const ids = (users) => users.map((u) => u.id);
const deptOf = (c) => c.user.department.id;

async function post(c, room, fields) {
  const r = await c.post(`/api/rooms/${room}/messages`, { client_id: cid(), ...fields });
  assertStatus(r, 201, `post ${JSON.stringify(fields).slice(0, 80)}`);
  return r.json.message;
}

async function message(c, room, seq) {
  return (await c.ok('GET', M(room, seq))).message;
}

// Every page of a list, following `next`, with a small page size.
async function listAll(c, room, seq, query) {
  const out = [];
  let after = '';
  let counts;
  for (;;) {
    const r = await c.ok('GET', `${M(room, seq)}/acks?limit=2&${query}${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    out.push(...r.users);
    counts = r.counts;
    if (!r.next) break;
    after = r.next;
  }
  return { users: out, counts };
}

async function allStaffRoom() {
  const { yamada, tanaka, sato, suzuki, takahashi, ito, watanabe } = U;
  return (await createGroup(yamada, '全職員へのお知らせ',
    [tanaka, sato, suzuki, takahashi, ito, watanabe].map((c) => c.id))).id;
}

test('post with ack_required; acks from several users live, idempotent, in reads and after a resume', T, async () => {
  const { yamada, sato, ito, watanabe, suzuki, tanaka } = U;
  const room = await allStaffRoom();
  const wsSender = await yamada.ws();
  const wsSato = await sato.ws();
  const cursor = wsSender.cursors.get(room);

  const m = await post(yamada, room, { body: '【重要】情報セキュリティ研修を12月中に受講してください', ack_required: true });
  assert.equal(m.ack_required, true);
  assert.equal(m.ack_count, 0);
  const plain = await post(yamada, room, { body: 'ふつうのお知らせ' });
  assert.equal(plain.ack_required, undefined, 'an ordinary message has no ack fields');

  // Reading is not acknowledging.
  assertStatus(await suzuki.post(`/api/rooms/${room}/read`, { seq: plain.seq }), 200);
  assert.equal((await message(suzuki, room, m.seq)).ack_count, 0);
  assert.equal((await message(suzuki, room, m.seq)).acked, false);

  const counts = [];
  for (const c of [sato, ito, watanabe]) {
    const r = await ack(c, room, m.seq);
    assertStatus(r, 200, `${c.loginId} acks`);
    assert.equal(r.json.acked, true);
    counts.push(r.json.ack_count);
  }
  assert.deepEqual(counts, [1, 2, 3]);
  // Idempotent: a second ack changes nothing.
  const again = await ack(sato, room, m.seq);
  assertStatus(again, 200, 'a second ack');
  assert.deepEqual(again.json, { ack_count: 3, acked: true });

  // The acknowledger's own connections at once; the room's count coalesced.
  const mine = await wsSato.next((f) => f.type === 'message.acked' && f.room === room && f.seq === m.seq, 3000, 'message.acked');
  assert.equal(mine.ack_count, 1);
  await wsSender.next((f) => f.type === 'message.acks' && f.room === room && f.seq === m.seq && f.ack_count === 3,
    5000, 'the final count');
  const ups = wsSender.seen((f) => f.type === 'message.acks' && f.room === room);
  assert.ok(ups.length >= 1 && ups.length <= 3, `${ups.length} message.acks for 3 acks`);
  assert.ok(ups.every((f) => f.seq === m.seq && !('acked' in f)), 'the room frame says nothing of anyone\'s own ack');
  assert.equal(wsSender.seen((f) => f.type === 'message.acked').length, 0, 'message.acked goes to the acknowledger only');
  assert.deepEqual(wsSender.evErrors, []);

  // Reads: `acked` is the reader's.
  const bySato = await message(sato, room, m.seq);
  assert.deepEqual([bySato.ack_required, bySato.ack_count, bySato.acked], [true, 3, true]);
  const byTanaka = (await tanaka.ok('GET', `/api/rooms/${room}/messages?limit=50`)).messages.find((x) => x.seq === m.seq);
  assert.deepEqual([byTanaka.ack_required, byTanaka.ack_count, byTanaka.acked], [true, 3, false]);

  // Resume from before the post: the message, then the stored count, the last one final.
  const ws2 = await suzuki.ws({ cursors: { [room]: cursor } });
  const replayed = ws2.seen((f) => f.room === room && (f.type === 'message.acks' || f.type === 'message.created'));
  assert.equal(replayed[0].type, 'message.created');
  assert.equal(replayed[0].message.ack_required, true);
  assert.equal(replayed.filter((f) => f.type === 'message.acks').at(-1).ack_count, 3);
  assert.deepEqual(ws2.evErrors, []);

  // Over WebSocket too.
  const client_id = cid();
  wsSato.send({ type: 'send', room, client_id, body: 'WebSocket からの確認依頼', ack_required: true });
  const sent = await wsSender.next((f) => f.type === 'message.created' && f.room === room && f.message.client_id === client_id,
    3000, 'the WebSocket post');
  assert.equal(sent.message.ack_required, true);
  for (const w of [wsSender, wsSato, ws2]) await w.close();
});

test('who has and has not acknowledged: by state and department, 五十音, paged, counts', T, async () => {
  const { yamada, sato, ito, watanabe, takahashi } = U;
  const room = await allStaffRoom();
  const m = await post(yamada, room, { body: '庁舎の避難訓練について', ack_required: true });
  for (const c of [watanabe, sato, ito]) assertStatus(await ack(c, room, m.seq), 200);

  const acked = await listAll(yamada, room, m.seq, 'state=acked');
  assert.deepEqual(acked.users.map((u) => u.login), ['ito', 'sato', 'watanabe']);
  assert.deepEqual(acked.counts, { acked: 3, unacked: 3 });
  assert.ok(acked.users.every((u) => u.department && u.department.name), 'each with their department');
  const unacked = await listAll(yamada, room, m.seq, 'state=unacked');
  assert.deepEqual(unacked.users.map((u) => u.login), ['suzuki', 'takahashi', 'tanaka'], 'the sender is not listed');
  // Default state: unacked.
  assert.deepEqual((await yamada.ok('GET', `${M(room, m.seq)}/acks`)).users.map((u) => u.login), ['suzuki', 'takahashi', 'tanaka']);

  // 危機管理課 with its 防災係; then 防災係 alone.
  const kiki = deptOf(takahashi);
  const bosai = deptOf(sato);
  assert.deepEqual((await listAll(yamada, room, m.seq, `state=acked&dept=${kiki}`)).users.map((u) => u.login), ['ito', 'sato']);
  assert.deepEqual((await listAll(yamada, room, m.seq, `state=unacked&dept=${kiki}`)).users.map((u) => u.login),
    ['suzuki', 'takahashi', 'tanaka']);
  assert.deepEqual((await listAll(yamada, room, m.seq, `state=unacked&dept=${bosai}`)).users.map((u) => u.login),
    ['suzuki', 'tanaka']);
  assert.deepEqual((await listAll(yamada, room, m.seq, `state=unacked&dept=${deptOf(yamada)}`)).users, []);

  assertError(await yamada.get(`${M(room, m.seq)}/acks?state=read`), 400, 'invalid_argument', 'unknown state');
  assertError(await yamada.get(`${M(room, m.seq)}/acks?dept=999999`), 400, 'invalid_argument', 'unknown department');
  assertError(await yamada.get(`${M(room, m.seq)}/acks?dept=x`), 400, 'invalid_argument', 'a bad department id');
});

test('remind reaches only the unacked (of a department), once per 10 minutes', T, async () => {
  const { yamada, sato, ito, watanabe, suzuki, tanaka, takahashi } = U;
  const room = await allStaffRoom();
  const m = await post(yamada, room, { body: '年末調整の書類を提出してください', ack_required: true });
  for (const c of [sato, ito]) assertStatus(await ack(c, room, m.seq), 200);

  const everyone = [sato, ito, watanabe, suzuki, tanaka, takahashi];
  const before = {};
  for (const c of everyone) before[c.loginId] = (await roomSummary(c, room)).mention_unread;
  const ws = await suzuki.ws();
  assertError(await sato.post(`${M(room, m.seq)}/ack-remind`), 403, 'permission_denied', 'a member reminds');

  const r = await yamada.post(`${M(room, m.seq)}/ack-remind`, { dept: deptOf(sato) });
  assertStatus(r, 200, 'the sender reminds 防災係');
  assert.equal(r.json.count, 2, 'suzuki and tanaka');
  const note = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.kind === 'system', 3000, 'the reminder');
  assert.equal(note.message.system.action, 'ack_reminded');
  assert.equal(note.message.system.seq, m.seq);
  assert.equal(note.message.system.count, 2);
  assert.deepEqual(note.message.system.users.map((u) => u.id).sort(), [suzuki.id, tanaka.id].sort());
  for (const c of everyone) {
    const want = before[c.loginId] + ([suzuki, tanaka].includes(c) ? 1 : 0);
    assert.equal((await roomSummary(c, room)).mention_unread, want, `${c.loginId} mention_unread`);
  }

  const again = assertError(await yamada.post(`${M(room, m.seq)}/ack-remind`, { dept: deptOf(sato) }), 429, 'rate_limited', 'within 10 minutes');
  assert.ok(again.retry_after_ms > 0 && again.retry_after_ms <= 600000);
  // The whole room is another reminder: watanabe, suzuki, takahashi, tanaka.
  const all = await yamada.post(`${M(room, m.seq)}/ack-remind`);
  assertStatus(all, 200, 'the whole room');
  assert.equal(all.json.count, 4);

  // Nobody left to remind.
  const m2 = await post(yamada, room, { body: '確認済みのお知らせ', ack_required: true });
  for (const c of everyone) assertStatus(await ack(c, room, m2.seq), 200);
  assertError(await yamada.post(`${M(room, m2.seq)}/ack-remind`), 409, 'conflict', 'everyone acknowledged');
  await ws.close();
});

test('refusals: non-member, other municipality, ordinary or deleted message, not the sender', T, async () => {
  const { yamada, sato, kobayashi, tanaka } = U;
  const room = await allStaffRoom();
  const m = await post(yamada, room, { body: '重要なお知らせ', ack_required: true });
  const plain = await post(yamada, room, { body: 'ふつうの投稿' });

  assertError(await ack(kobayashi, room, m.seq), 404, 'not_found', 'a non-member acks');
  assertError(await kobayashi.get(`${M(room, m.seq)}/acks`), 404, 'not_found', 'a non-member lists');
  assertError(await ack(kato, room, m.seq), 404, 'not_found', 'another municipality acks');
  assertError(await kato.post(`${M(room, m.seq)}/ack-remind`), 404, 'not_found', 'another municipality reminds');

  const e = assertError(await ack(sato, room, plain.seq), 400, 'invalid_argument', 'an ordinary message');
  assert.equal(e.reason, 'not_ack_required');
  assert.equal(assertError(await yamada.get(`${M(room, plain.seq)}/acks`), 400, 'invalid_argument').reason, 'not_ack_required');
  assertError(await ack(sato, room, 99999), 404, 'not_found', 'an unknown message');
  assertError(await ack(yamada, room, m.seq), 403, 'permission_denied', 'the sender acks their own');

  assertError(await sato.get(`${M(room, m.seq)}/acks?state=acked`), 403, 'permission_denied', 'a member lists');
  // The sender who is no owner still sees their own message's lists.
  const m3 = await post(tanaka, room, { body: '係内の確認事項', ack_required: true });
  assertStatus(await tanaka.get(`${M(room, m3.seq)}/acks`), 200, 'the sender lists');
  // The room's owner sees any.
  assertStatus(await yamada.get(`${M(room, m3.seq)}/acks`), 200, 'an owner lists');

  assertStatus(await ack(sato, room, m.seq), 200);
  assertStatus(await yamada.del(M(room, m.seq)), 200, 'deleted');
  assertError(await ack(tanaka, room, m.seq), 404, 'not_found', 'a deleted message');
  assertError(await yamada.get(`${M(room, m.seq)}/acks`), 404, 'not_found', 'a deleted message\'s list');
  const gone = await message(yamada, room, m.seq);
  assert.equal(gone.deleted, true);
  assert.ok(!gone.ack_count, 'a deleted message keeps no acks');

  // Not with a stamp or an action stamp.
  const bad = await yamada.post(`/api/rooms/${room}/messages`, { client_id: cid(), stamp: 'ryokai', ack_required: true });
  assertError(bad, 400, 'invalid_argument', 'a stamp with ack_required');
});
