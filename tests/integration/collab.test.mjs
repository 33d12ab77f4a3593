// Working together (issue 21): stamp messages, reactions, action stamps (answers from many
// users, the coalesced tally, pending, reminders, deadline, close, who sees what, export),
// notes and pins — through the real binary, live over WebSocket and on resume, and who may
// use each new path.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { login, cid, sleep } from './lib/client.mjs';
import { createTenant, createUser, DEMO_TENANT } from './lib/server.mjs';
import {
  fileSetup, demoServerWithLimits, loginAll, assertError, assertStatus, createGroup, eventually,
  fetchAllMessages, roomSummary,
} from './lib/util.mjs';

fileSetup({ watchdogMs: 300000 });

const T = { timeout: 90000 };
const PASSWORD = 'collab-test-pw';
// In 五十音 order (ICU's Japanese collation of the readings, then the names): さとう,
// さどう and ざとう differ only in their voiced marks; the second 佐藤 reads さどう じろう.
const PEOPLE = [
  { login: 'k-satou', name: '佐藤 一郎', reading: 'さとう いちろう' },
  { login: 'k-sadou', name: '佐渡 一郎', reading: 'さどう いちろう' },
  { login: 'k-zatou', name: '座頭 一郎', reading: 'ざとう いちろう' },
  { login: 'k-satou2', name: '佐藤 次郎', reading: 'さどう じろう' },
];

let srv;
let U;     // demo users by login
let P;     // PEOPLE by login
let kato;  // another municipality's user

before(async () => {
  // Many writes per user: the per-user rates are not what these tests are about.
  srv = await demoServerWithLimits({
    write_burst: 100000, writes_per_second: 100000, message_burst: 100000, messages_per_second: 100000,
  });
  U = await loginAll(srv, ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe']);
  // Created in reverse, so that user ids do not happen to give the expected order.
  for (const p of [...PEOPLE].reverse()) {
    await createUser(srv.dataDir, { tenant: DEMO_TENANT, password: PASSWORD, ...p });
  }
  P = {};
  for (const p of PEOPLE) P[p.login] = await login(srv, p.login, { password: PASSWORD });
  await createTenant(srv.dataDir, { code: '999003', name: 'かえで村' });
  await createUser(srv.dataDir, { tenant: '999003', login: 'kato', name: '加藤 一郎', reading: 'かとう いちろう', password: 'kaede-pass-1' });
  kato = await login(srv, 'kato', { tenant: '999003', password: 'kaede-pass-1' });
});

const enc = encodeURIComponent;
const M = (room, seq) => `/api/rooms/${room}/messages/${seq}`;
const one = (option, value = 0) => [{ option, value }];
const people = () => PEOPLE.map((p) => P[p.login]);

async function send(c, room, fields) {
  const r = await c.post(`/api/rooms/${room}/messages`, { client_id: cid(), ...fields });
  assertStatus(r, 201, `post ${JSON.stringify(fields).slice(0, 100)}`);
  return r.json.message;
}
const ask = (c, room, action, body) => send(c, room, body === undefined ? { action } : { action, body });
const react = (c, room, seq, key) => c.req('PUT', `${M(room, seq)}/reactions/${enc(key)}`);
const unreact = (c, room, seq, key) => c.del(`${M(room, seq)}/reactions/${enc(key)}`);
const answer = (c, room, seq, picks) => c.req('PUT', `${M(room, seq)}/action/answer`, { body: { picks } });
const withdraw = (c, room, seq) => c.del(`${M(room, seq)}/action/answer`);
const message = async (c, room, seq) => (await c.ok('GET', M(room, seq))).message;
const actionOf = async (c, room, seq) => (await c.ok('GET', `${M(room, seq)}/action`)).action;
const reactions = (m) => (m.reactions || []).map((r) => ({ key: r.key, count: r.count, me: !!r.me }));
const systemNotes = (msgs) => msgs.filter((m) => m.kind === 'system').map((m) => m.system);

function assertConflict(r, reason, ctx) {
  const e = assertError(r, 409, 'conflict', ctx);
  assert.equal(e.reason, reason, `${ctx}: reason`);
  return e;
}

// The bytes of a GET (the export: binary, not text).
async function download(c, path) {
  const res = await fetch(srv.base + path, { headers: c.authHeaders() });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// The system's Python: the one scripts/install-deps.sh gives python3-openpyxl (a python3
// earlier in PATH, e.g. pyenv's, may not have it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

// The rows of an export as Python reads them: csv with the encoding, or openpyxl.
function pythonRows(bytes, kind) {
  const dir = mkdtempSync(join(tmpdir(), 'tonari-export-'));
  const file = join(dir, kind === 'xlsx' ? 'a.xlsx' : 'a.csv');
  writeFileSync(file, bytes);
  const script = kind === 'xlsx'
    ? `import json, sys, openpyxl
ws = openpyxl.load_workbook(sys.argv[1]).active
print(json.dumps([["" if v is None else str(v) for v in row] for row in ws.iter_rows(values_only=True)]))`
    : `import csv, json, sys
with open(sys.argv[1], newline="", encoding=sys.argv[2]) as f:
    print(json.dumps(list(csv.reader(f))))`;
  const out = execFileSync(PYTHON, ['-c', script, file, kind === 'csv_sjis' ? 'cp932' : 'utf-8-sig'], { encoding: 'utf8' });
  return JSON.parse(out);
}

// ---- Stamps and reactions -------------------------------------------------------------

test('stamp messages: REST and WS, ids of the catalog only, no text, quoted by their words', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, 'スタンプ', [sato.id])).id;
  const ws = await sato.ws();
  const m = await send(tanaka, room, { stamp: 'ryokai' });
  assert.equal(m.stamp, 'ryokai');
  assert.equal(m.body, '');
  const live = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.seq === m.seq, 3000, 'stamp live');
  assert.equal(live.message.stamp, 'ryokai');

  const k = ws.sendMessage(room, undefined, { stamp: 'otsukare' });
  const ack = await ws.ack(k);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  assert.equal((await message(sato, room, ack.seq)).stamp, 'otsukare');
  const bad = ws.sendMessage(room, undefined, { stamp: 'nope' });
  const err = await ws.ack(bad);
  assert.equal(err.type, 'error');
  assert.deepEqual([err.error.code, err.error.message], ['invalid_argument', 'unknown stamp']);

  const unknown = assertError(await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), stamp: 'nope' }), 400, 'invalid_argument');
  assert.equal(unknown.message, 'unknown stamp');
  assertError(await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), stamp: 'ryokai', body: '了解' }), 400, 'invalid_argument', 'stamp with text');

  const reply = await send(sato, room, { body: '返信です', reply_to: m.seq });
  assert.equal(reply.reply_to.body, '了解しました', 'a stamp is quoted by its words');
  const stamps = (await fetchAllMessages(tanaka, room)).filter((x) => x.stamp).map((x) => x.stamp);
  assert.deepEqual(stamps, ['ryokai', 'otsukare']);
  await ws.close();
});

test('reactions: put and taken away live and on resume, counts with me, who reacted in 五十音 order', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const room = (await createGroup(tanaka, 'リアクション', [sato.id, suzuki.id, ...people().map((c) => c.id)])).id;
  const m = await send(tanaka, room, { body: '資料を共有します' });
  const ws = await sato.ws();
  const cursor = ws.cursors.get(room);

  for (const c of [...people()].reverse()) assertStatus(await react(c, room, m.seq, 's:ryokai'), 200, `${c.loginId} 了解`);
  assertStatus(await react(suzuki, room, m.seq, 's:ryokai'), 200);
  const up = await react(tanaka, room, m.seq, '👍');
  assertStatus(up, 200);
  assert.deepEqual(up.json.reaction, { key: '👍', count: 1, me: true });
  assertStatus(await react(suzuki, room, m.seq, '👍'), 200);
  const again = await react(suzuki, room, m.seq, '👍');
  assert.deepEqual(again.json.reaction, { key: '👍', count: 2, me: true }, 'a repeat changes nothing');
  const off = await unreact(suzuki, room, m.seq, 's:ryokai');
  assert.deepEqual(off.json.reaction, { key: 's:ryokai', count: 4, me: false });

  // One stored event per change (8), none for the repeat, in order.
  await eventually(() => ws.seen((f) => f.type === 'reaction.updated' && f.room === room).length >= 8, { desc: '8 reaction.updated' });
  await ws.ping();
  const seen = ws.seen((f) => f.type === 'reaction.updated' && f.room === room);
  assert.equal(seen.length, 8);
  const last = seen.at(-1);
  assert.deepEqual([last.seq, last.key, last.count, last.user, last.on], [m.seq, 's:ryokai', 4, suzuki.id, false]);
  assert.deepEqual(ws.evErrors, []);

  // Reads: most used first; `me` for the caller only.
  assert.deepEqual(reactions(await message(tanaka, room, m.seq)),
    [{ key: 's:ryokai', count: 4, me: false }, { key: '👍', count: 2, me: true }]);
  const page = (await P['k-zatou'].ok('GET', `/api/rooms/${room}/messages?limit=50`)).messages;
  assert.deepEqual(reactions(page.find((x) => x.seq === m.seq)),
    [{ key: 's:ryokai', count: 4, me: true }, { key: '👍', count: 2, me: false }]);

  // Who: 五十音 order of readings, paged with an opaque cursor.
  const whoPath = `${M(room, m.seq)}/reactions/${enc('s:ryokai')}/users`;
  const who = await sato.ok('GET', whoPath);
  assert.deepEqual(who.users.map((u) => u.id), people().map((c) => c.id));
  assert.ok(who.users.every((u) => typeof u.at === 'number' && typeof u.reading === 'string'));
  assert.equal(who.next, null);
  const p1 = await sato.ok('GET', `${whoPath}?limit=3`);
  assert.equal(p1.users.length, 3);
  assert.equal(typeof p1.next, 'string');
  const p2 = await sato.ok('GET', `${whoPath}?limit=3&after=${enc(p1.next)}`);
  assert.deepEqual([...p1.users, ...p2.users].map((u) => u.id), who.users.map((u) => u.id));
  assert.equal(p2.next, null);

  // Resume from before: the same events replayed, in order.
  const ws2 = await sato.ws({ cursors: { [room]: cursor } });
  const replayed = ws2.seen((f) => f.type === 'reaction.updated' && f.room === room);
  assert.deepEqual(replayed.map((f) => f.ev), seen.map((f) => f.ev));
  assert.deepEqual(replayed.at(-1), { ...last, __t: replayed.at(-1).__t });
  await ws.close();
  await ws2.close();
});

test('reactions: keys, system and deleted messages, 20 keys, announcement rooms', T, async () => {
  const { tanaka, sato, yamada } = U;
  const room = (await createGroup(tanaka, 'リアクション制限', [sato.id])).id;
  const m = await send(tanaka, room, { body: '確認してください' });
  for (const key of ['a', 'ok', '👍👍', ' ', 'あ', '1']) {
    assert.equal(assertError(await react(sato, room, m.seq, key), 400, 'invalid_argument', key).message, 'not an emoji');
  }
  assert.equal(assertError(await react(sato, room, m.seq, 's:nope'), 400, 'invalid_argument').message, 'unknown stamp');
  assertError(await react(sato, room, 1, '👍'), 400, 'invalid_argument', 'a system message');
  assertError(await react(sato, room, 9999, '👍'), 404, 'not_found', 'an unknown message');

  const keys = ['s:ryokai', 's:shochi', 's:arigato', 's:otsukare', 's:yoroshiku', 's:kakunin_shimasu',
    's:kakunin_shimashita', 's:taio_shimasu', 's:taiochu', 's:kanryo', 's:omachi', 's:moushiwake',
    's:tasukarimasu', 's:ohayo', 's:osaki', 's:shikyu', 's:ryokai_desu', 's:iine', 's:sansei', '🙇'];
  for (const key of keys) assertStatus(await react(sato, room, m.seq, key), 200, key);
  assertError(await react(sato, room, m.seq, '🎉'), 409, 'conflict', 'a 21st key');
  assertStatus(await react(tanaka, room, m.seq, '🙇'), 200, 'an existing key still');

  assertStatus(await tanaka.del(M(room, m.seq)), 200, 'delete');
  assert.deepEqual(reactions(await message(tanaka, room, m.seq)), [], 'a deleted message loses its reactions');
  assertError(await react(sato, room, m.seq, '👍'), 404, 'not_found', 'a deleted message');

  // In an announcement room members do not post, but they acknowledge.
  const ann = (await createGroup(tanaka, 'お知らせ', [sato.id])).id;
  assertStatus(await tanaka.patch(`/api/rooms/${ann}`, { rules: { announcement: true } }), 200);
  const notice = await send(tanaka, ann, { body: '全庁停電のお知らせ' });
  assertStatus(await react(sato, ann, notice.seq, 's:haiken'), 200, 'a member reacts');
  // A tenant admin who is not a member does not.
  assertError(await react(yamada, ann, notice.seq, 's:haiken'), 404, 'not_found', 'tenant admin, not a member');
});

// ---- Action stamps --------------------------------------------------------------------

test('出欠: answers from several users, the tally coalesced live and on resume, mine in reads', T, async () => {
  const { tanaka, sato, suzuki, ito } = U;
  const room = (await createGroup(tanaka, '懇親会', [sato.id, suzuki.id, ito.id, ...people().map((c) => c.id)])).id;
  const ws = await sato.ws();
  const cursor = ws.cursors.get(room);
  const q = await ask(tanaka, room, { kind: 'attendance', title: '12/20 懇親会の出欠' }, '会場は3階です');
  assert.equal(q.body, '会場は3階です');
  assert.equal(q.action.kind, 'attendance');
  assert.equal(q.action.title, '12/20 懇親会の出欠');
  assert.deepEqual([q.action.public, q.action.changeable, q.action.anonymous, q.action.closed], [true, true, false, false]);
  assert.equal(q.action.answered, 0);
  const members = 8;
  assert.equal(q.action.pending, members, 'every member is pending, the asker too');

  for (const [c, o] of [[sato, 0], [suzuki, 1], [ito, 2], [P['k-satou'], 0], [P['k-sadou'], 0]]) {
    const r = await answer(c, room, q.seq, one(o));
    assertStatus(r, 200, `${c.loginId} answers`);
    assert.deepEqual(r.json.action.mine, one(o));
    assert.equal(typeof r.json.action.mine_at, 'number');
  }
  const changed = await answer(ito, room, q.seq, one(0));
  assert.deepEqual(changed.json.action.counts, [4, 1, 0]);
  assert.deepEqual([changed.json.action.answered, changed.json.action.pending], [5, members - 5]);

  // Live: action.updated, coalesced (at most one per answer), never `mine`; the last one
  // has the final tally.
  await ws.next((f) => f.type === 'action.updated' && f.room === room && f.action.counts?.[0] === 4 && f.action.answered === 5, 5000, 'the final tally');
  const ups = ws.seen((f) => f.type === 'action.updated' && f.room === room);
  assert.ok(ups.length >= 1 && ups.length <= 6, `${ups.length} action.updated for 6 answers`);
  assert.ok(ups.every((f) => f.seq === q.seq && !('mine' in f.action)));
  assert.deepEqual(ws.evErrors, []);

  // Reads: the caller's answer, counts for everyone (a public question).
  assert.deepEqual((await message(sato, room, q.seq)).action.mine, one(0));
  const fromHistory = (await ito.ok('GET', `/api/rooms/${room}/messages?limit=50`)).messages.find((x) => x.seq === q.seq);
  assert.deepEqual(fromHistory.action.mine, one(0));
  const fresh = await actionOf(P['k-zatou'], room, q.seq);
  assert.equal(fresh.mine, undefined);
  assert.deepEqual(fresh.counts, [4, 1, 0]);

  const w = await withdraw(P['k-sadou'], room, q.seq);
  assertStatus(w, 200, 'withdraw');
  assert.equal(w.json.action.mine, undefined);
  assert.deepEqual(w.json.action.counts, [3, 1, 0]);
  // (An earlier, coalesced tally may have had 4 answers too: the counts tell them apart.)
  await ws.next((f) => f.type === 'action.updated' && f.room === room && f.action.answered === 4 && f.action.counts[0] === 3,
    5000, 'the tally after a withdrawal');

  // Resume from before the question: the message and the stored tallies, the last one final.
  const ws2 = await suzuki.ws({ cursors: { [room]: cursor } });
  const replayed = ws2.seen((f) => f.room === room && (f.type === 'action.updated' || f.type === 'message.created'));
  assert.equal(replayed[0].type, 'message.created');
  assert.equal(replayed[0].message.action.kind, 'attendance');
  const lastUp = replayed.filter((f) => f.type === 'action.updated').at(-1);
  assert.deepEqual([lastUp.action.answered, lastUp.action.counts], [4, [3, 1, 0]]);
  await ws.close();
  await ws2.close();
});

test('answerers are listed in 五十音 order of their readings, by option or all with picks', T, async () => {
  const { tanaka } = U;
  const room = (await createGroup(tanaka, '五十音の回答', people().map((c) => c.id))).id;
  const q = await ask(tanaka, room, { kind: 'schedule', title: '打合せ日程', options: ['12/8 10:00', '12/9 15:00'] });
  const values = { 'k-satou': [0, 2], 'k-sadou': [1, 0], 'k-zatou': [0, 0], 'k-satou2': [2, 1] };
  for (const p of [...PEOPLE].reverse()) {
    const [a, b] = values[p.login];
    assertStatus(await answer(P[p.login], room, q.seq, [{ option: 1, value: b }, { option: 0, value: a }]), 200, p.login);
  }
  const base = `${M(room, q.seq)}/action/answers`;
  const all = await tanaka.ok('GET', base);
  assert.deepEqual(all.users.map((u) => u.id), people().map((c) => c.id));
  assert.deepEqual(all.users.map((u) => u.picks.map((x) => x.value)), PEOPLE.map((p) => values[p.login]));
  const circle = await tanaka.ok('GET', `${base}?option=0&value=0`);
  assert.deepEqual(circle.users.map((u) => u.id), [P['k-satou'].id, P['k-zatou'].id]);
  const p1 = await tanaka.ok('GET', `${base}?limit=3`);
  const p2 = await tanaka.ok('GET', `${base}?limit=3&after=${enc(p1.next)}`);
  assert.deepEqual([...p1.users, ...p2.users].map((u) => u.id), all.users.map((u) => u.id));
  assertError(await tanaka.get(`${base}?option=2&value=0`), 400, 'invalid_argument', 'unknown option');
  assertError(await tanaka.get(`${base}?option=0&value=3`), 400, 'invalid_argument', 'bad value');
  assert.deepEqual((await actionOf(tanaka, room, q.seq)).counts, [2, 1, 1, 2, 1, 1]);
});

test('pending and remind: the mention counts of exactly the pending, once per 10 minutes', T, async () => {
  const { tanaka, sato, suzuki, ito, watanabe } = U;
  const room = (await createGroup(tanaka, '未回答', [sato.id, suzuki.id, ito.id, watanabe.id])).id;
  const q = await ask(tanaka, room, { kind: 'yesno', title: '研修に参加しますか' });
  assertStatus(await answer(tanaka, room, q.seq, one(0)), 200);
  assertStatus(await answer(sato, room, q.seq, one(0)), 200);
  assertStatus(await answer(suzuki, room, q.seq, one(1)), 200);

  const pending = await sato.ok('GET', `${M(room, q.seq)}/action/pending`);
  assert.deepEqual(pending.users.map((u) => u.id).sort(), [ito.id, watanabe.id].sort());
  assert.equal(pending.count, 2);
  assert.equal(pending.next, null);

  const before = {};
  for (const c of [sato, suzuki, ito, watanabe]) before[c.loginId] = (await roomSummary(c, room)).mention_unread;
  const ws = await ito.ws();
  assertError(await sato.post(`${M(room, q.seq)}/action/remind`), 403, 'permission_denied', 'a member reminds');
  const r = await tanaka.post(`${M(room, q.seq)}/action/remind`);
  assertStatus(r, 200, 'the asker reminds');
  assert.equal(r.json.count, 2);
  const note = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.kind === 'system', 3000, 'the reminder');
  assert.equal(note.message.system.action, 'action_reminded');
  assert.equal(note.message.system.seq, q.seq);
  assert.equal(note.message.system.count, 2);
  for (const c of [sato, suzuki, ito, watanabe]) {
    const want = before[c.loginId] + ([ito, watanabe].includes(c) ? 1 : 0);
    assert.equal((await roomSummary(c, room)).mention_unread, want, `${c.loginId} mention_unread`);
  }

  const again = assertError(await tanaka.post(`${M(room, q.seq)}/action/remind`), 429, 'rate_limited', 'within 10 minutes');
  assert.ok(again.retry_after_ms > 0 && again.retry_after_ms <= 600000, `retry_after_ms ${again.retry_after_ms}`);
  await ws.close();

  // A task's pending are its assignees not done.
  const task = await ask(tanaka, room, { kind: 'task', title: '議事録の作成', assignees: [ito.id, watanabe.id] });
  assert.deepEqual(task.action.assignees.sort(), [ito.id, watanabe.id].sort());
  assertStatus(await answer(ito, room, task.seq, one(0)), 200, 'done');
  const tp = await tanaka.ok('GET', `${M(room, task.seq)}/action/pending`);
  assert.deepEqual([tp.users.map((u) => u.id), tp.count], [[watanabe.id], 1]);
});

test('deadline and close: answers refused with their reasons, results kept', T, async () => {
  const { tanaka, sato, suzuki, yamada } = U;
  const room = (await createGroup(tanaka, '締切', [sato.id, suzuki.id, yamada.id])).id;
  assertError(await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), action: { kind: 'yesno', title: '過去', deadline: Date.now() - 1000 } }),
    400, 'invalid_argument', 'a deadline in the past');
  const q = await ask(tanaka, room, { kind: 'yesno', title: '今日中に回答', deadline: Date.now() + 1500 });
  assertStatus(await answer(sato, room, q.seq, one(0)), 200);
  await sleep(1700);
  assertConflict(await answer(suzuki, room, q.seq, one(0)), 'deadline', 'past the deadline');
  assertConflict(await withdraw(sato, room, q.seq), 'deadline', 'withdraw past the deadline');

  const ws = await suzuki.ws();
  const q2 = await ask(sato, room, { kind: 'choice', title: 'お弁当', options: ['A', 'B', 'C'], multiple: true });
  assertStatus(await answer(suzuki, room, q2.seq, [{ option: 0 }, { option: 2 }]), 200);
  assertError(await suzuki.post(`${M(room, q2.seq)}/action/close`), 403, 'permission_denied', 'a member closes');
  const closed = await tanaka.post(`${M(room, q2.seq)}/action/close`);
  assertStatus(closed, 200, 'the room owner closes');
  assert.equal(closed.json.action.closed, true);
  assert.equal(closed.json.action.closed_by, tanaka.id);
  assert.deepEqual(closed.json.action.counts, [1, 0, 1], 'closed keeps the results');
  const up = await ws.next((f) => f.type === 'action.updated' && f.room === room && f.seq === q2.seq && f.action.closed, 3000, 'closed live');
  assert.equal(up.action.closed_by, tanaka.id);
  const sys = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.kind === 'system', 3000, 'action_closed');
  assert.deepEqual([sys.message.system.action, sys.message.system.seq, sys.message.system.title], ['action_closed', q2.seq, 'お弁当']);
  assertConflict(await answer(suzuki, room, q2.seq, one(1)), 'closed', 'answer a closed question');
  assertStatus(await tanaka.post(`${M(room, q2.seq)}/action/close`), 200, 'closing again');
  assertConflict(await tanaka.post(`${M(room, q2.seq)}/action/remind`), 'closed', 'remind a closed question');
  // A tenant admin who is a member closes anyone's question.
  const q3 = await ask(sato, room, { kind: 'yesno', title: '管理者が締める' });
  assertStatus(await yamada.post(`${M(room, q3.seq)}/action/close`), 200, 'tenant admin closes');
  await ws.close();
});

test('anonymous questions: nobody gets names, the asker neither; counts and remind still work', T, async () => {
  const { tanaka, sato, suzuki, ito } = U;
  const room = (await createGroup(tanaka, '匿名アンケート', [sato.id, suzuki.id, ito.id])).id;
  const ws = await ito.ws();
  const q = await ask(tanaka, room, { kind: 'choice', title: '職場環境は', options: ['良い', '普通', '悪い'], anonymous: true });
  assert.equal(q.action.anonymous, true);
  assertStatus(await answer(sato, room, q.seq, one(2)), 200);
  const mine = await answer(suzuki, room, q.seq, one(0));
  assert.deepEqual(mine.json.action.mine, one(0), 'one\'s own answer is one\'s own');
  for (const c of [tanaka, sato]) {
    assertError(await c.get(`${M(room, q.seq)}/action/answers`), 403, 'permission_denied', `${c.loginId}: answers`);
    assertError(await c.get(`${M(room, q.seq)}/action/answers?option=0`), 403, 'permission_denied', `${c.loginId}: answers of an option`);
    assertError(await c.get(`${M(room, q.seq)}/action/pending`), 403, 'permission_denied', `${c.loginId}: pending`);
  }
  assertError(await sato.get(`${M(room, q.seq)}/action/export?format=csv`), 403, 'permission_denied', 'a member exports');
  // The state says how many answered what, never who.
  const up = await ws.next((f) => f.type === 'action.updated' && f.room === room && f.action.answered === 2, 5000, 'tally');
  const keys = new Set(['kind', 'title', 'options', 'multiple', 'deadline', 'public', 'changeable', 'anonymous',
    'assignees', 'closed', 'closed_at', 'closed_by', 'answered', 'pending', 'counts', 'mine', 'mine_at']);
  for (const a of [up.action, (await message(tanaka, room, q.seq)).action, await actionOf(ito, room, q.seq)]) {
    assert.deepEqual(Object.keys(a).filter((k) => !keys.has(k)), [], JSON.stringify(a));
    assert.deepEqual(a.counts, [1, 0, 1]);
  }
  const r = await tanaka.post(`${M(room, q.seq)}/action/remind`);
  assertStatus(r, 200, 'remind an anonymous question');
  assert.equal(r.json.count, 2, 'tanaka and ito are pending');
  await ws.close();
});

test('results for the asker only: counts and lists hidden from the others, live and in reads', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const room = (await createGroup(tanaka, '結果は非公開', [sato.id, suzuki.id])).id;
  const ws = await sato.ws();
  const q = await ask(tanaka, room, { kind: 'yesno', title: '異動希望はありますか', public: false });
  assert.equal(q.action.public, false);
  const a = await answer(sato, room, q.seq, one(1));
  assert.equal(a.json.action.counts, undefined, 'not in the answer');
  assert.deepEqual(a.json.action.mine, one(1));
  assert.equal(a.json.action.answered, 1, 'how many answered is for everyone');
  const up = await ws.next((f) => f.type === 'action.updated' && f.room === room && f.action.answered === 1, 5000, 'tally');
  assert.equal(up.action.counts, undefined, 'not in events');
  assert.equal((await message(sato, room, q.seq)).action.counts, undefined, 'not in reads');
  assert.deepEqual((await actionOf(tanaka, room, q.seq)).counts, [0, 1], 'the asker sees them');
  assert.deepEqual((await message(tanaka, room, q.seq)).action.counts, [0, 1]);
  // The room list shows the question as its last message, to each as they may see it.
  assert.equal((await roomSummary(sato, room)).last_message.action.counts, undefined, 'not in the room list');
  assert.deepEqual((await roomSummary(tanaka, room)).last_message.action.counts, [0, 1]);
  for (const path of ['answers', 'pending', 'export?format=csv']) {
    assertError(await suzuki.get(`${M(room, q.seq)}/action/${path}`), 403, 'permission_denied', `a member: ${path}`);
  }
  assertStatus(await tanaka.get(`${M(room, q.seq)}/action/answers`), 200, 'the asker: answers');
  assertStatus(await tanaka.get(`${M(room, q.seq)}/action/pending`), 200, 'the asker: pending');
  // Nor in the other frames and reads that carry the message: an edit, a pin.
  assertStatus(await tanaka.patch(M(room, q.seq), { body: '締切は金曜です' }), 200, 'the asker edits the text');
  const edited = await ws.next((f) => f.type === 'message.edited' && f.room === room && f.message.seq === q.seq, 3000, 'edited');
  assert.equal(edited.message.action.counts, undefined, 'not in message.edited');
  assertStatus(await tanaka.req('PUT', `/api/rooms/${room}/pins/message/${q.seq}`), 200, 'pin it');
  const pinned = await ws.next((f) => f.type === 'pin.added' && f.room === room, 3000, 'pin.added');
  assert.equal(pinned.pin.message.action.counts, undefined, 'not in pin.added');
  assert.equal((await sato.ok('GET', `/api/rooms/${room}/pins`)).pins[0].message.action.counts, undefined, 'not in pins');
  await ws.close();
});

test('answers that may not change, and tasks for their assignees', T, async () => {
  const { tanaka, sato, suzuki, ito, takahashi } = U;
  const room = (await createGroup(tanaka, '変更不可', [sato.id, suzuki.id, ito.id])).id;
  const q = await ask(tanaka, room, { kind: 'yesno', title: '一度きり', changeable: false });
  assertStatus(await answer(sato, room, q.seq, one(0)), 200);
  assertConflict(await answer(sato, room, q.seq, one(1)), 'answered', 'change');
  assertConflict(await withdraw(sato, room, q.seq), 'answered', 'withdraw');

  const task = await ask(tanaka, room, { kind: 'task', title: '資料の印刷', assignees: [sato.id, suzuki.id], changeable: false });
  assert.equal(task.action.changeable, true, 'a task is always changeable');
  assertError(await answer(ito, room, task.seq, one(0)), 403, 'permission_denied', 'not an assignee');
  assertStatus(await answer(sato, room, task.seq, one(0)), 200, 'done');
  assertStatus(await withdraw(sato, room, task.seq), 200, 'undone');
  assert.equal((await actionOf(sato, room, task.seq)).answered, 0);
  assertError(await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), action: { kind: 'task', title: 'x', assignees: [takahashi.id] } }),
    400, 'invalid_argument', 'an assignee who is not a member');
});

test('action stamps: what a question and an answer must be (REST and WS)', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, '入力の確認', [sato.id])).id;
  const bad = (action, ctx) => tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), action }).then((r) => assertError(r, 400, 'invalid_argument', ctx));
  await bad({ kind: 'poll', title: 'x' }, 'unknown kind');
  await bad({ kind: 'yesno', title: '' }, 'no title');
  await bad({ kind: 'yesno', title: 'あ'.repeat(201) }, 'title over 200');
  await bad({ kind: 'yesno', title: 'x', options: ['a', 'b'] }, 'options for yesno');
  await bad({ kind: 'choice', title: 'x', options: ['a'] }, 'one option');
  await bad({ kind: 'choice', title: 'x', options: Array.from({ length: 21 }, (_, i) => `${i}`) }, '21 options');
  await bad({ kind: 'schedule', title: 'x', options: [] }, 'no dates');
  await bad({ kind: 'schedule', title: 'x', options: Array.from({ length: 31 }, (_, i) => `${i}`) }, '31 dates');
  await bad({ kind: 'choice', title: 'x', options: ['a', 'い'.repeat(101)] }, 'a label over 100');
  await bad({ kind: 'task', title: 'x' }, 'a task without assignees');
  await bad({ kind: 'yesno', title: 'x', multiple: true }, 'multiple for yesno');
  assertStatus(await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), action: { kind: 'choice', title: '20', options: Array.from({ length: 20 }, (_, i) => `${i}`) } }), 201, '20 options');

  const q = await ask(tanaka, room, { kind: 'schedule', title: '日程', options: ['月', '火'] });
  for (const [picks, ctx] of [[[{ option: 0, value: 0 }], 'an option left out'], [[{ option: 0, value: 3 }, { option: 1, value: 0 }], 'a bad value'],
    [[{ option: 2, value: 0 }, { option: 0, value: 0 }, { option: 1, value: 0 }], 'an unknown option'], [[], 'no picks'], ['x', 'not an array']]) {
    assertError(await answer(sato, room, q.seq, picks), 400, 'invalid_argument', ctx);
  }
  const yn = await ask(tanaka, room, { kind: 'yesno', title: 'はい/いいえ' });
  assertError(await answer(sato, room, yn.seq, [{ option: 0 }, { option: 1 }]), 400, 'invalid_argument', 'two picks');
  const plain = await send(tanaka, room, { body: '普通のメッセージ' });
  assertError(await answer(sato, room, plain.seq, one(0)), 404, 'not_found', 'a message that asks nothing');
  assertError(await sato.get(`${M(room, plain.seq)}/action`), 404, 'not_found', 'no action');

  const ws = await sato.ws();
  const k = ws.sendMessage(room, undefined, { action: { kind: 'attendance', title: 'WSから' } });
  const ack = await ws.ack(k);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const created = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.seq === ack.seq, 3000, 'created');
  assert.equal(created.message.action.title, 'WSから');
  const e = ws.sendMessage(room, undefined, { action: { kind: 'choice', title: 'x', options: ['a'] } });
  const err = await ws.ack(e);
  assert.equal(err.error.code, 'invalid_argument');
  await ws.close();
});

test('export: CSV (UTF-8 with BOM, Shift_JIS) and XLSX as Python reads them, in 五十音 order', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, '日程の書き出し', [sato.id, ...people().map((c) => c.id)])).id;
  const q = await ask(tanaka, room, { kind: 'schedule', title: '課内打合せ 12/8・12/9', options: ['12/8 10:00', '12/9 15:00'] });
  const values = { 'k-satou': [0, 2], 'k-sadou': [1, 0], 'k-zatou': [0, 0], 'k-satou2': [2, 1] };
  for (const p of [...PEOPLE].reverse()) {
    const [a, b] = values[p.login];
    assertStatus(await answer(P[p.login], room, q.seq, [{ option: 0, value: a }, { option: 1, value: b }]), 200);
  }
  const mark = ['○', '△', '×'];
  const expectedRows = PEOPLE.map((p) => [p.name, p.reading, values[p.login].map((v) => mark[v])]);
  const check = (rows, ctx) => {
    assert.deepEqual(rows[0], ['氏名', 'よみ', '所属', '12/8 10:00', '12/9 15:00', '回答日時'], `${ctx}: header`);
    const body = rows.slice(1, 1 + PEOPLE.length);
    assert.deepEqual(body.map((r) => [r[0], r[1], [r[3], r[4]]]), expectedRows, `${ctx}: rows in 五十音 order`);
    // 回答日時 in JST: text in a CSV, a date cell in the XLSX (openpyxl: a datetime).
    const times = body.map((r) => (ctx === 'xlsx' ? r[5].replace(/^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2}):\d{2}$/, '$1/$2/$3 $4') : r[5]));
    for (const t of times) assert.match(t, /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}$/, `${ctx}: 回答日時`);
    assert.ok(times.every((t) => Math.abs(Date.parse(`${t.replaceAll('/', '-')}:00+09:00`) - Date.now()) < 600000),
      `${ctx}: 回答日時 is now, in JST: ${times}`);
    // Then a blank row and the tally (trailing empty cells of a sheet's rows left out).
    const tail = rows.slice(1 + PEOPLE.length).map((r) => {
      const t = [...r];
      while (t.length && t.at(-1) === '') t.pop();
      return t;
    });
    assert.deepEqual(tail, [[], ['選択肢', '○', '△', '×'], ['12/8 10:00', '2', '1', '1'], ['12/9 15:00', '2', '1', '1'],
      ['回答済み', '4'], ['未回答', '2']], `${ctx}: the tally`);
  };

  const csv = await download(tanaka, `${M(room, q.seq)}/action/export?format=csv`);
  assert.equal(csv.status, 200, csv.bytes.toString());
  assert.match(csv.headers.get('content-type'), /^text\/csv/);
  assert.match(csv.headers.get('content-disposition'), /^attachment; filename=".*"; filename\*=UTF-8''.*%E5%9B%9E%E7%AD%94\.csv$/);
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM for Excel');
  assert.ok(csv.bytes.includes('\r\n'), 'CRLF');
  check(pythonRows(csv.bytes, 'csv'), 'csv');

  const sjis = await download(tanaka, `${M(room, q.seq)}/action/export?format=csv_sjis`);
  assert.equal(sjis.status, 200);
  assert.notDeepEqual([...sjis.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  check(pythonRows(sjis.bytes, 'csv_sjis'), 'csv_sjis');

  const xlsx = await download(tanaka, `${M(room, q.seq)}/action/export?format=xlsx`);
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.headers.get('content-disposition'), /\.xlsx$/);
  check(pythonRows(xlsx.bytes, 'xlsx'), 'xlsx');

  assertError(await tanaka.get(`${M(room, q.seq)}/action/export?format=pdf`), 400, 'invalid_argument', 'unknown format');

  // An anonymous question: its asker gets the tally without names.
  const anon = await ask(tanaka, room, { kind: 'yesno', title: '匿名', anonymous: true });
  assertStatus(await answer(sato, room, anon.seq, one(0)), 200);
  const a = await download(tanaka, `${M(room, anon.seq)}/action/export?format=csv`);
  assert.equal(a.status, 200);
  const text = a.bytes.toString('utf8');
  assert.ok(!text.includes(sato.user.name) && !text.includes(sato.user.reading), 'no names');
});

// ---- Notes ----------------------------------------------------------------------------

test('notes: create, edit, a conflict with the current note, versions, restore, delete, live', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const room = (await createGroup(tanaka, '引継ぎ', [sato.id, suzuki.id])).id;
  const ws = await suzuki.ws();
  const body1 = '# 引継ぎ\n\n- [ ] 鍵の返却\n- [x] 名簿の更新\n\n[庁内ポータル](https://portal.example.lg.jp)';
  const c = await sato.post(`/api/rooms/${room}/notes`, { title: '年末の引継ぎ', body: body1 });
  assertStatus(c, 201, 'create');
  const n = c.json.note;
  assert.deepEqual([n.title, n.body, n.version, n.created_by, n.updated_by], ['年末の引継ぎ', body1, 1, sato.id, sato.id]);
  const ev = await ws.next((f) => f.type === 'note.updated' && f.room === room, 3000, 'note.updated');
  assert.equal(ev.note.id, n.id);
  assert.equal(ev.note.body, undefined, 'events carry no body');
  const sys = await ws.next((f) => f.type === 'message.created' && f.room === room && f.message.kind === 'system', 3000, 'note_created');
  assert.deepEqual([sys.message.system.action, sys.message.system.note, sys.message.system.title], ['note_created', n.id, '年末の引継ぎ']);

  const list = (await suzuki.ok('GET', `/api/rooms/${room}/notes`)).notes;
  assert.deepEqual(list.map((x) => [x.id, x.title, x.body]), [[n.id, '年末の引継ぎ', undefined]]);
  assert.equal((await suzuki.ok('GET', `/api/rooms/${room}/notes/${n.id}`)).note.body, body1);

  // Two people edit version 1: the second gets a conflict with the note as it is now.
  const body2 = `${body1}\n\n追記: 金庫の暗証番号は課長へ`;
  const e1 = await tanaka.req('PUT', `/api/rooms/${room}/notes/${n.id}`, { body: { title: '年末の引継ぎ', body: body2, base_version: 1 } });
  assertStatus(e1, 200, 'edit');
  assert.equal(e1.json.note.version, 2);
  const e2 = await suzuki.req('PUT', `/api/rooms/${room}/notes/${n.id}`, { body: { title: '年末の引継ぎ（鈴木）', body: `${body1}\n鈴木の追記`, base_version: 1 } });
  assertConflict(e2, 'version', 'an edit of an old version');
  assert.deepEqual([e2.json.note.version, e2.json.note.body, e2.json.note.updated_by], [2, body2, tanaka.id]);

  const same = await tanaka.req('PUT', `/api/rooms/${room}/notes/${n.id}`, { body: { title: '年末の引継ぎ', body: body2, base_version: 2 } });
  assertStatus(same, 200, 'a save that changes nothing');
  assert.equal(same.json.note.version, 2);

  const versions = (await sato.ok('GET', `/api/rooms/${room}/notes/${n.id}/versions`)).versions;
  assert.deepEqual(versions.map((v) => [v.version, v.by, v.body]), [[2, tanaka.id, undefined], [1, sato.id, undefined]]);
  assert.equal((await sato.ok('GET', `/api/rooms/${room}/notes/${n.id}/versions/1`)).version.body, body1);
  assertError(await sato.get(`/api/rooms/${room}/notes/${n.id}/versions/9`), 404, 'not_found', 'no version 9');

  const restored = await sato.post(`/api/rooms/${room}/notes/${n.id}/restore`, { version: 1, base_version: 2 });
  assertStatus(restored, 200, 'restore');
  assert.deepEqual([restored.json.note.version, restored.json.note.body], [3, body1]);
  assertConflict(await sato.post(`/api/rooms/${room}/notes/${n.id}/restore`, { version: 1, base_version: 2 }), 'version', 'restore from an old version');
  const v3 = (await sato.ok('GET', `/api/rooms/${room}/notes/${n.id}/versions`)).versions[0];
  assert.deepEqual([v3.version, v3.restored_from], [3, 1]);
  const notes = systemNotes(await fetchAllMessages(sato, room)).filter((s) => s.action.startsWith('note_'));
  assert.deepEqual(notes.map((s) => (s.action === 'note_updated' ? [s.action, s.version, s.restored_from || 0] : [s.action])),
    [['note_created'], ['note_updated', 2, 0], ['note_updated', 3, 1]]);

  // Only its creator, the room's owners and admins delete it.
  assertError(await suzuki.del(`/api/rooms/${room}/notes/${n.id}`), 403, 'permission_denied', 'another member deletes');
  assertStatus(await sato.del(`/api/rooms/${room}/notes/${n.id}`), 200, 'the creator deletes');
  await ws.next((f) => f.type === 'note.deleted' && f.room === room && f.note === n.id, 3000, 'note.deleted');
  assertError(await sato.get(`/api/rooms/${room}/notes/${n.id}`), 404, 'not_found', 'deleted');
  assert.deepEqual((await sato.ok('GET', `/api/rooms/${room}/notes`)).notes, []);
  const n2 = (await suzuki.ok('POST', `/api/rooms/${room}/notes`, { title: '別のノート', body: '' }, 201)).note;
  assertStatus(await tanaka.del(`/api/rooms/${room}/notes/${n2.id}`), 200, 'the owner deletes another\'s note');
  assert.deepEqual(ws.evErrors, []);
  await ws.close();
});

test('notes: what a note may hold, and who writes in an announcement room', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, 'ノートの制限', [sato.id])).id;
  const create = (title, body) => sato.post(`/api/rooms/${room}/notes`, { title, body });
  const ctrl = assertError(await create('制御文字', '一行目\n二行目\x07'), 400, 'invalid_argument', 'a control character');
  assert.match(ctrl.message, /control character U\+0007 at line 2, column 4/);
  const js = assertError(await create('リンク', '[ok](https://a.jp) と [危険](javascript:alert(1))'), 400, 'invalid_argument', 'javascript:');
  assert.match(js.message, /^note link 2: scheme not allowed/);
  assertError(await create('リンク', '<data:text/html,x>'), 400, 'invalid_argument', 'data:');
  assertStatus(await create('リンク', '[a](mailto:soumu@example.lg.jp) [b](#見出し) [c](../x) `[d](javascript:x)`'), 201, 'allowed links; code is text');
  assertError(await create('', '本文'), 400, 'invalid_argument', 'no title');
  assertError(await create('題'.repeat(101), ''), 400, 'invalid_argument', 'title over 100');
  assertError(await create('長い', 'あ'.repeat(30001)), 400, 'invalid_argument', 'body over 30,000');
  assertStatus(await create('最大', 'あ'.repeat(30000)), 201, '30,000 characters (90 KB)');
  const big = await create('大きすぎる', 'a'.repeat(300 * 1024));
  assertError(big, 413, 'payload_too_large', 'over the route limit of 256 KiB');

  const ann = (await createGroup(tanaka, 'お知らせノート', [sato.id])).id;
  assertStatus(await tanaka.patch(`/api/rooms/${ann}`, { rules: { announcement: true } }), 200);
  const summary = await roomSummary(sato, ann);
  assert.deepEqual([summary.can.edit_notes, summary.can.pin], [false, false]);
  assert.deepEqual([(await roomSummary(tanaka, ann)).can.edit_notes, (await roomSummary(tanaka, ann)).can.pin], [true, true]);
  assertError(await sato.post(`/api/rooms/${ann}/notes`, { title: '会員', body: '' }), 403, 'permission_denied', 'a member writes');
  const n = (await tanaka.ok('POST', `/api/rooms/${ann}/notes`, { title: '手順', body: '本文' }, 201)).note;
  assert.equal((await sato.ok('GET', `/api/rooms/${ann}/notes/${n.id}`)).note.body, '本文', 'members read');
  assertError(await sato.req('PUT', `/api/rooms/${ann}/notes/${n.id}`, { body: { title: 'x', body: '', base_version: 1 } }), 403, 'permission_denied', 'a member edits');
});

// ---- Pins -----------------------------------------------------------------------------

test('pins: messages and notes, newest first, live, at most 20, gone with what they point to', T, async () => {
  const { tanaka, sato, suzuki } = U;
  const room = (await createGroup(tanaka, 'ピン留め', [sato.id, suzuki.id])).id;
  const ws = await suzuki.ws();
  const m = await send(tanaka, room, { body: '防災訓練は12/10です' });
  const q = await ask(tanaka, room, { kind: 'yesno', title: '訓練に参加しますか' });
  const n = (await tanaka.ok('POST', `/api/rooms/${room}/notes`, { title: '訓練の手順', body: '1. 集合' }, 201)).note;
  const pm = await sato.req('PUT', `/api/rooms/${room}/pins/message/${m.seq}`);
  assertStatus(pm, 200, 'pin a message');
  assert.equal(pm.json.pins[0].kind, 'message');
  await sleep(5);
  assertStatus(await sato.req('PUT', `/api/rooms/${room}/pins/message/${q.seq}`), 200, 'pin an action stamp');
  await sleep(5);
  const pn = await sato.req('PUT', `/api/rooms/${room}/pins/note/${n.id}`);
  assertStatus(pn, 200, 'pin a note');
  const pins = (await suzuki.ok('GET', `/api/rooms/${room}/pins`)).pins;
  assert.deepEqual(pins.map((p) => [p.kind, p.seq || p.note, p.by]), [['note', n.id, sato.id], ['message', q.seq, sato.id], ['message', m.seq, sato.id]]);
  assert.equal(pins[0].note_info.title, '訓練の手順');
  assert.equal(pins[0].note_info.body, undefined);
  assert.equal(pins[1].message.action.title, '訓練に参加しますか');
  assert.equal(pins[2].message.body, '防災訓練は12/10です');
  const added = await ws.next((f) => f.type === 'pin.added' && f.room === room && f.pin.kind === 'note', 3000, 'pin.added');
  assert.equal(added.pin.note, n.id);
  assertStatus(await sato.req('PUT', `/api/rooms/${room}/pins/note/${n.id}`), 200, 'pinned again');

  assertError(await sato.req('PUT', `/api/rooms/${room}/pins/message/1`), 400, 'invalid_argument', 'a system message');
  assertError(await sato.req('PUT', `/api/rooms/${room}/pins/message/9999`), 404, 'not_found', 'an unknown message');
  assertError(await sato.req('PUT', `/api/rooms/${room}/pins/note/9999`), 404, 'not_found', 'an unknown note');
  assertError(await sato.req('PUT', `/api/rooms/${room}/pins/file/1`), 404, 'not_found', 'not a kind');

  const del = await sato.del(`/api/rooms/${room}/pins/message/${q.seq}`);
  assertStatus(del, 200, 'unpin');
  const removed = await ws.next((f) => f.type === 'pin.removed' && f.room === room, 3000, 'pin.removed');
  assert.deepEqual([removed.kind, removed.seq], ['message', q.seq]);
  assertStatus(await tanaka.del(M(room, m.seq)), 200, 'delete the pinned message');
  assertStatus(await tanaka.del(`/api/rooms/${room}/notes/${n.id}`), 200, 'delete the pinned note');
  await ws.next((f) => f.type === 'pin.removed' && f.room === room && f.note === n.id, 3000, 'the note\'s pin.removed');
  assert.deepEqual((await sato.ok('GET', `/api/rooms/${room}/pins`)).pins, []);

  const seqs = [];
  for (let i = 0; i < 21; i++) seqs.push((await send(tanaka, room, { body: `連絡${i}` })).seq);
  for (const s of seqs.slice(0, 20)) assertStatus(await sato.req('PUT', `/api/rooms/${room}/pins/message/${s}`), 200);
  assertError(await sato.req('PUT', `/api/rooms/${room}/pins/message/${seqs[20]}`), 409, 'conflict', 'a 21st pin');
  assert.deepEqual(ws.evErrors, []);
  await ws.close();
});

// ---- Who may use each new path ----------------------------------------------------------

test('authorization: every new path, for a non-member, another municipality, a tenant admin outside', T, async () => {
  const { tanaka, sato, takahashi, yamada } = U;
  const room = (await createGroup(tanaka, '権限の確認', [sato.id])).id;
  const m = await send(tanaka, room, { body: '本文' });
  const q = await ask(tanaka, room, { kind: 'yesno', title: '質問' });
  const n = (await tanaka.ok('POST', `/api/rooms/${room}/notes`, { title: 'ノート', body: '' }, 201)).note;
  assertStatus(await react(sato, room, m.seq, '👍'), 200);
  assertStatus(await answer(sato, room, q.seq, one(0)), 200);
  const paths = [
    ['GET', M(room, m.seq)],
    ['PUT', `${M(room, m.seq)}/reactions/${enc('👍')}`],
    ['DELETE', `${M(room, m.seq)}/reactions/${enc('👍')}`],
    ['GET', `${M(room, m.seq)}/reactions/${enc('👍')}/users`],
    ['GET', `${M(room, q.seq)}/action`],
    ['PUT', `${M(room, q.seq)}/action/answer`, { picks: one(1) }],
    ['DELETE', `${M(room, q.seq)}/action/answer`],
    ['GET', `${M(room, q.seq)}/action/answers`],
    ['GET', `${M(room, q.seq)}/action/pending`],
    ['POST', `${M(room, q.seq)}/action/close`, {}],
    ['POST', `${M(room, q.seq)}/action/remind`, {}],
    ['GET', `${M(room, q.seq)}/action/export?format=csv`],
    ['GET', `/api/rooms/${room}/notes`],
    ['POST', `/api/rooms/${room}/notes`, { title: '越境', body: '' }],
    ['GET', `/api/rooms/${room}/notes/${n.id}`],
    ['PUT', `/api/rooms/${room}/notes/${n.id}`, { title: '越境', body: '', base_version: 1 }],
    ['DELETE', `/api/rooms/${room}/notes/${n.id}`],
    ['GET', `/api/rooms/${room}/notes/${n.id}/versions`],
    ['GET', `/api/rooms/${room}/notes/${n.id}/versions/1`],
    ['POST', `/api/rooms/${room}/notes/${n.id}/restore`, { version: 1, base_version: 1 }],
    ['GET', `/api/rooms/${room}/pins`],
    ['PUT', `/api/rooms/${room}/pins/message/${m.seq}`],
    ['DELETE', `/api/rooms/${room}/pins/message/${m.seq}`],
    ['PUT', `/api/rooms/${room}/pins/note/${n.id}`],
    ['DELETE', `/api/rooms/${room}/pins/note/${n.id}`],
  ];
  for (const [who, c] of [['a non-member', takahashi], ['another municipality', kato], ['a tenant admin, not a member', yamada]]) {
    for (const [method, path, body] of paths) {
      assertError(await c.req(method, path, body === undefined ? {} : { body }), 404, 'not_found', `${who}: ${method} ${path}`);
    }
  }
  // Nothing changed.
  assert.deepEqual(reactions(await message(tanaka, room, m.seq)), [{ key: '👍', count: 1, me: false }]);
  const a = await actionOf(tanaka, room, q.seq);
  assert.deepEqual([a.closed, a.counts], [false, [1, 0]]);
  assert.deepEqual((await tanaka.ok('GET', `/api/rooms/${room}/notes/${n.id}`)).note.version, 1);
  assert.deepEqual((await tanaka.ok('GET', `/api/rooms/${room}/pins`)).pins, []);

  // A member without the right.
  assertError(await sato.post(`${M(room, q.seq)}/action/close`), 403, 'permission_denied', 'a member closes the owner\'s question');
  assertError(await sato.post(`${M(room, q.seq)}/action/remind`), 403, 'permission_denied', 'a member reminds');
  assertError(await sato.del(`/api/rooms/${room}/notes/${n.id}`), 403, 'permission_denied', 'a member deletes the owner\'s note');
});
