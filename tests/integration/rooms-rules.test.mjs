// Rooms with rules (issue 20): roles, announcement and official rooms, system messages,
// quotes that follow edits, the org-tree sync of official rooms, profiles (department
// path, extension, disabled accounts) and the directory by department name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login, cid } from './lib/client.mjs';
import { runTonari, DEMO_TENANT, DEMO_PASSWORD } from './lib/server.mjs';
import {
  fileSetup, demoServer, loginAll, assertError, assertStatus, assertGojuon, createGroup, postMessage,
  fetchAllMessages,
} from './lib/util.mjs';

fileSetup({ watchdogMs: 120000 });

let srv;
let U;
const T = { timeout: 60000 };

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe', 'aoki']);
});

const roomOf = async (c, id) => (await c.ok('GET', `/api/rooms/${id}?limit=500`));
const memberIds = async (c, id) => (await roomOf(c, id)).members.map((m) => m.user.id);
const role = (c, room, user, r) => c.req('PUT', `/api/rooms/${room}/members/${user}/role`, { body: { role: r } });
const systemNotes = (msgs) => msgs.filter((m) => m.kind === 'system').map((m) => m.system);
async function deptId(c, name) {
  const d = (await c.ok('GET', '/api/departments')).departments.find((x) => x.name === name);
  assert.ok(d, `department ${name}`);
  return d.id;
}

test('room permissions by role: rename, describe, add, remove, set role', T, async () => {
  const { yamada, sato, tanaka, suzuki, ito, watanabe, takahashi } = U;
  const R = (await createGroup(sato, '権限テスト', [tanaka.id, suzuki.id, ito.id])).id;
  const asOwner = await roomOf(sato, R);
  assert.equal(asOwner.room.role, 'owner');
  assert.deepEqual(asOwner.room.can, {
    post: true, edit_info: true, invite: true, remove: true, leave: true, set_roles: true, edit_rules: true, edit_official: false, pin: true, edit_notes: true,
  });
  assert.deepEqual(asOwner.room.rules, { announcement: false, official: false, members_invite: true, members_edit: false, sync: null });
  const asMember = await roomOf(tanaka, R);
  assert.deepEqual(asMember.room.can, {
    post: true, edit_info: false, invite: true, remove: false, leave: true, set_roles: false, edit_rules: false, edit_official: false, pin: true, edit_notes: true,
  });

  // A plain member: no rename ("any member can rename 危機管理課" was the bug), no description,
  // no removing, no roles; inviting is allowed by default.
  assertError(await tanaka.patch(`/api/rooms/${R}`, { name: '乗っ取り' }), 403, 'permission_denied', 'member renames');
  assertError(await tanaka.patch(`/api/rooms/${R}`, { description: '説明' }), 403, 'permission_denied', 'member describes');
  assertError(await tanaka.del(`/api/rooms/${R}/members/${ito.id}`), 403, 'permission_denied', 'member removes');
  assertError(await role(tanaka, R, ito.id, 'admin'), 403, 'permission_denied', 'member sets a role');
  assertStatus(await tanaka.post(`/api/rooms/${R}/members`, { users: [watanabe.id] }), 200, 'member invites');
  assert.equal((await roomOf(sato, R)).room.name, '権限テスト');

  // A non-member learns nothing.
  assertError(await takahashi.patch(`/api/rooms/${R}`, { name: 'x' }), 404, 'not_found', 'non-member renames');
  assertError(await takahashi.post(`/api/rooms/${R}/members`, { users: [takahashi.id] }), 404, 'not_found', 'non-member adds');
  assertError(await takahashi.del(`/api/rooms/${R}/members/${ito.id}`), 404, 'not_found', 'non-member removes');
  assertError(await role(takahashi, R, ito.id, 'admin'), 404, 'not_found', 'non-member sets a role');
  assertError(await takahashi.post(`/api/rooms/${R}/messages`, { client_id: cid(), body: 'x' }), 404, 'not_found', 'non-member posts');

  // The owner makes tanaka an admin: the room's admins rename, describe and remove.
  const made = await role(sato, R, tanaka.id, 'admin');
  assertStatus(made, 200, 'owner sets admin');
  assert.equal(made.json.member.role, 'admin');
  assert.equal(made.json.member.user.id, tanaka.id);
  assertError(await role(sato, R, tanaka.id, 'boss'), 400, 'invalid_argument', 'unknown role');
  const renamed = await tanaka.patch(`/api/rooms/${R}`, { name: '権限テスト2', description: '権限の確認用' });
  assertStatus(renamed, 200, 'admin renames');
  assert.equal(renamed.json.room.name, '権限テスト2');
  assert.equal(renamed.json.room.description, '権限の確認用');
  assert.equal(renamed.json.room.can.edit_info, true);
  assertStatus(await tanaka.del(`/api/rooms/${R}/members/${ito.id}`), 200, 'admin removes');
  assertError(await role(tanaka, R, suzuki.id, 'admin'), 403, 'permission_denied', 'room admin sets a role');

  // Invalid input is explained.
  const blank = await sato.patch(`/api/rooms/${R}`, { name: '   ' });
  assertError(blank, 400, 'invalid_argument', 'blank name');
  assert.match(blank.json.error.message, /blank/);
  const long = await sato.patch(`/api/rooms/${R}`, { name: '長'.repeat(101) });
  assertError(long, 400, 'invalid_argument', 'long name');
  assert.match(long.json.error.message, /too long/);
  assertError(await sato.patch(`/api/rooms/${R}`, { description: '説'.repeat(1001) }), 400, 'invalid_argument', 'long description');
  assertStatus(await sato.patch(`/api/rooms/${R}`, { description: '説'.repeat(1000) }), 200, '1000 characters');
  assertError(await sato.patch(`/api/rooms/${R}`, {}), 400, 'invalid_argument', 'nothing to change');

  // Rules: the owner closes invitations; official and sync are the tenant admin's.
  const closed = await sato.patch(`/api/rooms/${R}`, { rules: { members_invite: false } });
  assertStatus(closed, 200, 'owner changes rules');
  assert.equal(closed.json.room.rules.members_invite, false);
  assert.equal(closed.json.room.rules.members_edit, false, 'a partial rules object keeps the rest');
  assertError(await watanabe.post(`/api/rooms/${R}/members`, { users: [ito.id] }), 403, 'permission_denied', 'member invites a closed room');
  assertError(await sato.patch(`/api/rooms/${R}`, { rules: { official: true } }), 403, 'permission_denied', 'owner makes it official');
  assertStatus(await tanaka.patch(`/api/rooms/${R}`, { rules: { announcement: true } }), 200, 'admin edits rules');
  assertStatus(await tanaka.patch(`/api/rooms/${R}`, { rules: { announcement: false } }), 200, 'admin edits rules back');
  assertError(await watanabe.patch(`/api/rooms/${R}`, { rules: { members_edit: true } }), 403, 'permission_denied', 'member edits rules');

  // The tenant admin manages the room without being in it, but does not post in it.
  const byAdmin = await yamada.patch(`/api/rooms/${R}`, { name: '権限テスト（管理者）' });
  assertStatus(byAdmin, 200, 'tenant admin renames');
  assert.equal(byAdmin.json.room.can.edit_official, true);
  assert.equal(byAdmin.json.room.can.post, false);
  assertStatus(await role(yamada, R, suzuki.id, 'admin'), 200, 'tenant admin sets a role');
  assertStatus(await yamada.del(`/api/rooms/${R}/members/${watanabe.id}`), 200, 'tenant admin removes');
  assertStatus(await yamada.post(`/api/rooms/${R}/members`, { users: [ito.id] }), 200, 'tenant admin adds');
  assertError(await yamada.post(`/api/rooms/${R}/messages`, { client_id: cid(), body: 'x' }), 404, 'not_found', 'tenant admin posts as a non-member');
  assert.ok(!(await memberIds(sato, R)).includes(yamada.id));

  // The last owner cannot step down; after handing over they can.
  assertError(await role(sato, R, sato.id, 'member'), 409, 'conflict', 'last owner steps down');
  assertStatus(await role(sato, R, suzuki.id, 'owner'), 200, 'a second owner');
  assertStatus(await role(sato, R, sato.id, 'member'), 200, 'then steps down');
  assert.equal((await roomOf(sato, R)).room.role, 'member');
  // A 1:1 room has no roles.
  const D = (await sato.ok('POST', '/api/direct', { user: tanaka.id })).room.id;
  assertError(await role(sato, D, tanaka.id, 'admin'), 403, 'permission_denied', '1:1 role');
  assertError(await sato.patch(`/api/rooms/${D}`, { name: 'x' }), 403, 'permission_denied', '1:1 rename');
});

test('announcement room: only owners, admins and a tenant admin post (REST and WebSocket)', T, async () => {
  const { yamada, sato, tanaka, suzuki } = U;
  const created = await sato.post('/api/rooms', { name: 'お知らせテスト', members: [tanaka.id, suzuki.id, yamada.id], description: '連絡専用', rules: { announcement: true } });
  assertStatus(created, 201, 'create an announcement room');
  const A = created.json.room.id;
  assert.equal(created.json.room.rules.announcement, true);
  assert.equal(created.json.room.description, '連絡専用');
  assert.equal((await roomOf(tanaka, A)).room.can.post, false);

  assertError(await tanaka.post(`/api/rooms/${A}/messages`, { client_id: cid(), body: '投稿' }), 403, 'permission_denied', 'member posts over REST');
  const ws = await tanaka.ws();
  const c = ws.sendMessage(A, 'WSで投稿');
  const err = await ws.ack(c);
  assert.equal(err.type, 'error', JSON.stringify(err));
  assert.equal(err.error.code, 'permission_denied');

  await postMessage(sato, A, 'オーナーのお知らせ');
  await postMessage(yamada, A, '管理者（メンバー）のお知らせ');
  assertStatus(await role(sato, A, tanaka.id, 'admin'), 200);
  const c2 = ws.sendMessage(A, '管理者になったので投稿');
  const ack = await ws.ack(c2);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  // Members still read and mark read.
  const hist = await fetchAllMessages(suzuki, A);
  assertStatus(await suzuki.post(`/api/rooms/${A}/read`, { seq: hist.at(-1).seq }), 200, 'member marks read');
  await ws.close();

  // The demo's 全職員 is an official announcement room.
  const all = (await tanaka.ok('GET', '/api/rooms')).rooms.find((r) => r.name === '全職員');
  assert.equal(all.rules.announcement, true);
  assert.equal(all.rules.official, true);
  assert.deepEqual(all.rules.sync, { kind: 'tenant' });
  assert.equal(all.can.post, false);
  assert.equal(all.can.leave, false);
});

test('official room: members cannot leave; owners, admins and the tenant admin remove', T, async () => {
  const { yamada, sato, tanaka, suzuki, ito } = U;
  assertError(await sato.post('/api/rooms', { name: '公式?', members: [], rules: { official: true } }), 403, 'permission_denied', 'staff creates an official room');
  const O = (await yamada.ok('POST', '/api/rooms', { name: '公式テスト', members: [sato.id, tanaka.id, suzuki.id, ito.id], rules: { official: true } }, 201)).room.id;
  assertError(await tanaka.del(`/api/rooms/${O}/members/${tanaka.id}`), 403, 'permission_denied', 'member leaves');
  assert.equal((await roomOf(tanaka, O)).room.can.leave, false);
  assertError(await sato.del(`/api/rooms/${O}/members/${suzuki.id}`), 403, 'permission_denied', 'member removes');
  assertStatus(await role(yamada, O, sato.id, 'admin'), 200);
  assertError(await sato.del(`/api/rooms/${O}/members/${sato.id}`), 403, 'permission_denied', 'room admin leaves');
  assertStatus(await sato.del(`/api/rooms/${O}/members/${suzuki.id}`), 200, 'room admin removes');
  assertStatus(await yamada.del(`/api/rooms/${O}/members/${ito.id}`), 200, 'tenant admin removes');
  // The tenant admin may leave it (ownership passes on).
  assertStatus(await yamada.del(`/api/rooms/${O}/members/${yamada.id}`), 200, 'tenant admin leaves');
  assert.deepEqual((await memberIds(sato, O)).sort(), [sato.id, tanaka.id].sort());
  assert.equal((await roomOf(sato, O)).room.role, 'owner', 'the longest-standing admin takes over');
});

test('system messages: stored in history, live over WebSocket, replayed on resume', T, async () => {
  const { sato, tanaka, suzuki } = U;
  const S = (await createGroup(sato, 'システム通知', [tanaka.id])).id;
  let msgs = await fetchAllMessages(tanaka, S);
  assert.equal(msgs[0].seq, 1);
  assert.equal(msgs[0].kind, 'system');
  assert.equal(msgs[0].body, '');
  assert.equal(msgs[0].system.action, 'room_created');
  assert.equal(msgs[0].system.name, 'システム通知');
  assert.deepEqual(msgs[0].system.users.map((u) => u.id), [tanaka.id]);
  assert.equal(msgs[0].sender, sato.id);

  const ws = await tanaka.ws();
  assertStatus(await sato.patch(`/api/rooms/${S}`, { name: 'システム通知2' }), 200);
  const upd = await ws.next((f) => f.type === 'room.updated' && f.room === S, 3000, 'room.updated');
  assert.equal(upd.name, 'システム通知2');
  assert.equal(upd.rules.members_edit, false);
  const live = await ws.next((f) => f.type === 'message.created' && f.room === S, 3000, 'system message live');
  assert.equal(live.ev, upd.ev + 1);
  assert.equal(live.message.kind, 'system');
  assert.deepEqual([live.message.system.action, live.message.system.name, live.message.system.old_name], ['renamed', 'システム通知2', 'システム通知']);
  const cursor = ws.cursors.get(S);
  await ws.close();

  // Away: members added, a role, a description; then resume.
  assertStatus(await sato.post(`/api/rooms/${S}/members`, { users: [suzuki.id] }), 200);
  assertStatus(await role(sato, S, suzuki.id, 'admin'), 200);
  assertStatus(await sato.patch(`/api/rooms/${S}`, { description: '説明文' }), 200);
  const ws2 = await tanaka.ws({ cursors: { [S]: cursor } });
  const replayed = ws2.log.filter((f) => f.room === S && f.type === 'message.created').map((f) => f.message.system.action);
  assert.deepEqual(replayed, ['members_added', 'role_changed', 'description_changed']);
  const rc = ws2.log.find((f) => f.room === S && f.type === 'member.role_changed');
  assert.deepEqual([rc.user, rc.role, rc.reason], [suzuki.id, 'admin', 'set']);
  await ws2.close();

  msgs = await fetchAllMessages(tanaka, S);
  const notes = systemNotes(msgs);
  assert.deepEqual(notes.map((n) => n.action), ['room_created', 'renamed', 'members_added', 'role_changed', 'description_changed']);
  assert.equal(notes[3].role, 'admin');
  assert.equal(notes[4].description, '説明文');
  // They count as unread like any message; they cannot be quoted, edited or deleted.
  const s = (await roomOf(tanaka, S)).room;
  assert.equal(s.unread, msgs.length - s.read_seq);
  const sys = msgs.at(-1);
  assertError(await sato.post(`/api/rooms/${S}/messages`, { client_id: cid(), body: '引用', reply_to: sys.seq }), 400, 'invalid_argument', 'quote a system message');
  assertError(await sato.patch(`/api/rooms/${S}/messages/${sys.seq}`, { body: 'x' }), 403, 'permission_denied', 'edit a system message');
  assertError(await sato.del(`/api/rooms/${S}/messages/${sys.seq}`), 403, 'permission_denied', 'delete a system message');
  // Leaving shows too.
  assertStatus(await tanaka.del(`/api/rooms/${S}/members/${tanaka.id}`), 200);
  const last = (await fetchAllMessages(sato, S)).at(-1);
  assert.equal(last.system.action, 'member_left');
  assert.deepEqual(last.system.users.map((u) => u.id), [tanaka.id]);
});

test('quotes follow edits: over the API, live, and after a resume', T, async () => {
  const { sato, tanaka } = U;
  const Q = (await createGroup(sato, '引用テスト', [tanaka.id])).id;
  const original = await postMessage(tanaka, Q, '会議は10時からです');
  const wsBefore = await sato.ws();
  const cursor = wsBefore.cursors.get(Q);
  await wsBefore.close();
  const reply = await postMessage(sato, Q, '了解です', { reply_to: original.seq });
  assert.deepEqual([reply.reply_to.body, reply.reply_to.edited], ['会議は10時からです', false]);

  const ws = await sato.ws();
  assertStatus(await tanaka.patch(`/api/rooms/${Q}/messages/${original.seq}`, { body: '会議は11時からに変更です' }), 200);
  const edited = await ws.next((f) => f.type === 'message.edited' && f.room === Q, 3000, 'message.edited');
  assert.equal(edited.message.body, '会議は11時からに変更です');
  await ws.close();

  const hist = await fetchAllMessages(sato, Q);
  const r = hist.find((m) => m.seq === reply.seq);
  assert.deepEqual([r.reply_to.body, r.reply_to.edited], ['会議は11時からに変更です', true]);
  // A client that resumes from before the reply gets the reply's event as it is now.
  const ws2 = await sato.ws({ cursors: { [Q]: cursor } });
  const replayed = ws2.log.find((f) => f.type === 'message.created' && f.room === Q && f.message.seq === reply.seq);
  assert.ok(replayed, 'the reply is replayed');
  assert.deepEqual([replayed.message.reply_to.body, replayed.message.reply_to.edited], ['会議は11時からに変更です', true]);
  await ws2.close();
});

test('org-tree sync: linking a room, a new user, a transfer', T, async () => {
  const { yamada, sato, tanaka, suzuki, ito, takahashi, aoki, watanabe } = U;
  const bosai = await deptId(yamada, '防災係');
  const kiki = await deptId(yamada, '危機管理課');
  const fukushi = await deptId(yamada, '福祉課');
  const bad = await sato.post('/api/rooms', { name: '同期?', members: [], rules: { official: true, sync: { kind: 'department', dept: bosai } } });
  assertError(bad, 403, 'permission_denied', 'staff links a room');
  assertError(await yamada.post('/api/rooms', { name: '同期?', members: [], rules: { official: true, sync: { kind: 'department', dept: 999999 } } }), 400, 'invalid_argument', 'unknown department');
  assertError(await yamada.post('/api/rooms', { name: '同期?', members: [], rules: { sync: { kind: 'tenant' } } }), 400, 'invalid_argument', 'sync without official');

  // Created linked: everyone active of 防災係 joins (not the disabled 西村).
  const created = await yamada.post('/api/rooms', { name: '防災係（公式）', members: [], rules: { official: true, sync: { kind: 'department', dept: bosai, subtree: true } } });
  assertStatus(created, 201, 'create a synced room');
  const O = created.json.room.id;
  let ids = await memberIds(yamada, O);
  for (const u of [sato, tanaka, suzuki, ito]) assert.ok(ids.includes(u.id), `${u.loginId} joined by the sync`);
  assert.ok(!ids.includes(takahashi.id));
  const detail = await roomOf(yamada, O);
  assert.ok(!detail.members.some((m) => m.user.login === 'nishimura'), 'a disabled user is not added');
  const orgNote = systemNotes(await fetchAllMessages(sato, O)).find((n) => n.action === 'members_added');
  assert.equal(orgNote.reason, 'org');

  // Linked later by PATCH: 危機管理課 and its sub-departments.
  const P = (await createGroup(yamada, '危機管理課（公式）', [])).id;
  const linked = await yamada.patch(`/api/rooms/${P}`, { rules: { official: true, sync: { kind: 'department', dept: kiki } } });
  assertStatus(linked, 200, 'link by PATCH');
  assert.deepEqual(linked.json.room.rules.sync, { kind: 'department', dept: kiki, subtree: true });
  ids = await memberIds(yamada, P);
  for (const u of [takahashi, aoki, sato, tanaka, suzuki, ito]) assert.ok(ids.includes(u.id), `${u.loginId} in 危機管理課`);
  // Someone added by hand stays through every sync.
  assertStatus(await yamada.post(`/api/rooms/${O}/members`, { users: [watanabe.id] }), 200);

  // A new user of 防災係, made with the CLI, joins both.
  const made = await runTonari(['admin', 'create-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'shinnin',
    '--name', '新任 太郎', '--reading', 'しんにん たろう', '--password', DEMO_PASSWORD, '--department', '防災係']);
  assert.equal(made.code, 0, made.stderr);
  const shinnin = await login(srv, 'shinnin');
  assert.ok((await memberIds(yamada, O)).includes(shinnin.id), 'new user in 防災係（公式）');
  assert.ok((await memberIds(yamada, P)).includes(shinnin.id), 'new user in 危機管理課（公式）');

  // A transfer with the CLI: ito goes to 道路課, leaving both synced rooms.
  const moved = await runTonari(['admin', 'update-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'ito',
    '--dept', '道路課', '--title', '主査', '--extension', '4199']);
  assert.equal(moved.code, 0, moved.stderr);
  const itoNow = (await yamada.ok('GET', `/api/users/${ito.id}`)).user;
  assert.deepEqual([itoNow.department.name, itoNow.department.path, itoNow.title, itoNow.extension], ['道路課', '建設部/道路課', '主査', '4199']);
  assert.ok(!(await memberIds(yamada, O)).includes(ito.id), 'ito left 防災係（公式）');
  assert.ok(!(await memberIds(yamada, P)).includes(ito.id), 'ito left 危機管理課（公式）');

  // A transfer by the tenant admin over REST: suzuki to 福祉課 and back.
  assertError(await sato.patch(`/api/admin/users/${suzuki.id}`, { dept: fukushi }), 403, 'permission_denied', 'staff edits a profile');
  const away = await yamada.patch(`/api/admin/users/${suzuki.id}`, { dept: fukushi });
  assertStatus(away, 200, 'PATCH admin dept');
  assert.equal(away.json.user.department.id, fukushi);
  assert.ok(!(await memberIds(yamada, O)).includes(suzuki.id));
  const ws = await suzuki.ws();
  assertStatus(await yamada.patch(`/api/admin/users/${suzuki.id}`, { dept: bosai }), 200, 'PATCH admin dept back');
  const added = await ws.next((f) => f.type === 'room.added' && f.room.id === O, 3000, 'room.added after the transfer');
  assert.equal(added.room.rules.official, true);
  assert.equal(added.room.can.leave, false);
  await ws.close();
  ids = await memberIds(yamada, O);
  assert.ok(ids.includes(suzuki.id), 'back in 防災係（公式）');
  assert.ok(ids.includes(watanabe.id), 'the member added by hand stayed');
  // Back in 防災係, suzuki is in 危機管理課's room again too (it follows the subtree).
  assert.ok((await memberIds(yamada, P)).includes(suzuki.id));
  assertError(await yamada.patch(`/api/admin/users/${suzuki.id}`, { dept: 999999 }), 400, 'invalid_argument', 'unknown department');
});

test('directory: a department name finds its people; profiles carry path and extension', T, async () => {
  const { tanaka, sato } = U;
  const r = await tanaka.ok('GET', `/api/users?q=${encodeURIComponent('防災')}`);
  const logins = r.users.map((u) => u.login);
  assert.equal(new Set(logins).size, logins.length, 'no duplicates');
  for (const l of ['sato', 'tanaka']) assert.ok(logins.includes(l), `${l} found by 防災係`);
  assert.ok(!logins.includes('nishimura'), 'the disabled user is not in the search');
  assertGojuon(r.users, 'by department');
  const kiki = (await tanaka.ok('GET', `/api/users?q=${encodeURIComponent('危機管理')}`)).users.map((u) => u.login);
  for (const l of ['takahashi', 'aoki', 'sato']) assert.ok(kiki.includes(l), `${l} under 危機管理課`);
  // Names still match as before.
  assert.deepEqual((await tanaka.ok('GET', `/api/users?q=${encodeURIComponent('さとう')}`)).users.map((u) => u.login), ['sato']);

  const me = (await sato.ok('GET', `/api/users/${sato.id}`)).user;
  assert.deepEqual(me.department.path, '市民生活部/危機管理課/防災係');
  assert.equal(typeof me.extension, 'string');
  assertStatus(await sato.patch('/api/me', { extension: '3301' }), 200, 'PATCH /api/me extension');
  assert.equal((await tanaka.ok('GET', `/api/users/${sato.id}`)).user.extension, '3301');
  assertError(await sato.patch('/api/me', { extension: '1'.repeat(33) }), 400, 'invalid_argument', 'long extension');
  assertError(await sato.patch('/api/me', { extension: 5 }), 400, 'invalid_argument', 'extension not a string');
});

test('a disabled account is marked in profiles and member lists, and cannot be contacted', T, async () => {
  const { tanaka } = U;
  const bosai = (await tanaka.ok('GET', '/api/rooms')).rooms.find((r) => r.name === '防災係');
  const members = (await roomOf(tanaka, bosai.id)).members;
  const gone = members.find((m) => m.user.login === 'nishimura');
  assert.ok(gone, 'the demo 退職 user is still a member');
  assert.equal(gone.user.disabled, true);
  const profile = await tanaka.ok('GET', `/api/users/${gone.user.id}`);
  assert.equal(profile.user.disabled, true);
  assertError(await tanaka.post('/api/direct', { user: gone.user.id }), 404, 'not_found', '1:1 with a disabled user');
  assertError(await tanaka.post(`/api/rooms/${bosai.id}/members`, { users: [gone.user.id] }), 404, 'not_found', 'invite a disabled user');
  // 防災係 is official and follows its department.
  assert.equal(bosai.rules.official, true);
  assert.equal(bosai.rules.sync.kind, 'department');
});
