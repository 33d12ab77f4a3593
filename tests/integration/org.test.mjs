// Issue 17, org slice: departments by code and path (two sections both named 庶務係 stay
// apart through CSV import), and rooms that never lose their owner (handover on leave and
// on a disabled account; an administrator's takeover).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  makeDataDir, runTonari, createTenant, startServer, cleanupAll, installWatchdog, DEMO_TENANT,
} from './lib/server.mjs';
import { login } from './lib/client.mjs';

installWatchdog(150000);
after(cleanupAll);

const TENANT = '999020';
const PASSWORD = 'kashi-pass-1';

test('two 庶務係 stay apart through CSV import; a bare name that fits both is refused', { timeout: 90000 }, async () => {
  const dir = makeDataDir();
  await createTenant(dir, { code: TENANT, name: 'かしの市' });
  // Children before their parents: the import orders them itself.
  const depts = join(dir, 'org.csv');
  writeFileSync(depts, 'code,name,reading,parent_code\n' +
    '010101,庶務係,しょむがかり,0101\n' +
    '010201,庶務係,しょむがかり,0102\n' +
    '0101,総務課,そうむか,01\n' +
    '0102,税務課,ぜいむか,01\n' +
    '01,総務部,そうむぶ,\n' +
    '0999,迷子係,まいごがかり,0998\n');
  const r = await runTonari(['admin', 'import-departments', '--data', dir, '--tenant', TENANT, '--csv', depts]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /imported 5 departments, 0 unchanged, 1 failed/);
  assert.match(r.stderr, /org\.csv:7: 0999: parent_code 0998 not found/);
  // Importing again changes nothing.
  const again = await runTonari(['admin', 'import-departments', '--data', dir, '--tenant', TENANT, '--csv', depts]);
  assert.match(again.stdout, /imported 0 departments, 5 unchanged, 1 failed/);

  // One more by the command, under a parent named by its path; its code generated.
  const cd = await runTonari(['admin', 'create-department', '--data', dir, '--tenant', TENANT,
    '--name', '収納係', '--reading', 'しゅうのうがかり', '--parent', '総務部/税務課']);
  assert.equal(cd.code, 0, cd.stderr);
  assert.match(cd.stdout, /created department D\d{4} 総務部\/税務課\/収納係/);
  const amb = await runTonari(['admin', 'create-department', '--data', dir, '--tenant', TENANT,
    '--name', '庶務班', '--parent', '庶務係']);
  assert.equal(amb.code, 2);
  assert.match(amb.stderr, /庶務係 is ambiguous: 総務部\/総務課\/庶務係 \(code 010101\), 総務部\/税務課\/庶務係 \(code 010201\)/);

  const staff = join(dir, 'staff.csv');
  writeFileSync(staff, 'login,name,reading,department,title,password\n' +
    `sakai,酒井 一,さかい はじめ,総務部/総務課/庶務係,主事,${PASSWORD}\n` +
    `zeimu,税田 二,ぜいだ じろう,010201,主事,${PASSWORD}\n` +
    `tanabe,田辺 三,たなべ さぶろう,総務部/税務課/庶務係,主任,${PASSWORD}\n` +
    `nobody,某,なにがし,庶務係,,${PASSWORD}\n`);
  const iu = await runTonari(['admin', 'import-users', '--data', dir, '--tenant', TENANT, '--csv', staff]);
  assert.equal(iu.code, 2, iu.stderr);
  assert.match(iu.stdout, /imported 3 users, 1 failed/);
  assert.match(iu.stderr, /staff\.csv:5: nobody: department 庶務係 is ambiguous: .*総務課\/庶務係.*税務課\/庶務係/);
  const cu = await runTonari(['admin', 'create-user', '--data', dir, '--tenant', TENANT, '--login', 'kura',
    '--name', '倉田 四', '--reading', 'くらた しろう', '--password', PASSWORD, '--department', '0101']);
  assert.equal(cu.code, 0, cu.stderr);

  const srv = await startServer({ dataDir: dir, demo: false });
  const me = await login(srv, 'sakai', { tenant: TENANT, password: PASSWORD, token: true });
  const { departments } = await me.ok('GET', '/api/departments');
  const byCode = Object.fromEntries(departments.map((d) => [d.code, d]));
  assert.equal(byCode['010101'].path, '総務部/総務課/庶務係');
  assert.equal(byCode['010201'].path, '総務部/税務課/庶務係');
  assert.equal(byCode['010201'].parent, byCode['0102'].id);
  assert.equal(byCode['01'].parent, null);
  assert.ok(departments.some((d) => d.path === '総務部/税務課/収納係' && /^D\d{4}$/.test(d.code)));

  const inDept = async (code) => (await me.ok('GET', `/api/users?department=${byCode[code].id}`)).users
    .map((u) => u.login).sort();
  assert.deepEqual(await inDept('010101'), ['sakai']);
  assert.deepEqual(await inDept('010201'), ['tanabe', 'zeimu']);
  assert.deepEqual(await inDept('0101'), ['kura', 'sakai']);  // a department and its sections
  assert.equal(me.user.department.id, byCode['010101'].id);
});

test('ownership passes to the longest-standing member when the owner leaves', { timeout: 60000 }, async () => {
  const srv = await startServer({ demo: true });
  const owner = await login(srv, 'goto', { token: true });
  const first = await login(srv, 'ogawa', { token: true });
  const second = await login(srv, 'endo', { token: true });
  const { room } = await owner.ok('POST', '/api/rooms', { name: '引き継ぎテスト', members: [second.id, first.id] }, 201);
  assert.equal(room.role, 'owner');
  const watch = await second.ws();

  await owner.ok('DELETE', `/api/rooms/${room.id}/members/${owner.id}`);
  const left = await watch.next((f) => f.type === 'member.left' && f.room === room.id, 5000, 'member.left');
  const changed = await watch.next((f) => f.type === 'member.role_changed' && f.room === room.id, 5000, 'member.role_changed');
  // Members who joined together: the lower user id is the longer-standing.
  const heir = Math.min(first.id, second.id);
  assert.equal(changed.user, heir);
  assert.equal(changed.role, 'owner');
  assert.equal(changed.reason, 'owner_left');
  assert.equal(changed.by, 0);
  assert.equal(changed.ev, left.ev + 1);
  assert.deepEqual(watch.evErrors, []);

  const detail = await second.ok('GET', `/api/rooms/${room.id}`);
  assert.deepEqual(detail.members.filter((m) => m.role === 'owner').map((m) => m.user.id), [heir]);
  const heirClient = heir === first.id ? first : second;
  assert.equal((await heirClient.ok('GET', `/api/rooms/${room.id}`)).room.role, 'owner');
  // A client resuming from before the leave replays both events.
  const resumed = await first.ws({ cursors: { [room.id]: left.ev - 1 } });
  const replayed = resumed.events(room.id);
  assert.deepEqual(replayed.map((f) => f.type), ['member.left', 'member.role_changed', 'message.created', 'message.created']);
  // Then their system messages, in the same order.
  assert.deepEqual(replayed.slice(2).map((f) => [f.message.system.action, f.message.system.reason]),
    [['member_left', undefined], ['role_changed', 'owner_left']]);
});

test('a disabled owner hands the room over; a returning account gets nothing back', { timeout: 60000 }, async () => {
  const srv = await startServer({ demo: true });
  const owner = await login(srv, 'kato', { token: true });
  const a = await login(srv, 'yoshida', { token: true });
  const b = await login(srv, 'aoki', { token: true });
  const { room } = await owner.ok('POST', '/api/rooms', { name: '異動前の部屋', members: [a.id, b.id] }, 201);
  const before = (await a.ok('GET', `/api/rooms/${room.id}`)).room.ev;

  const r = await runTonari(['admin', 'disable-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'kato']);
  assert.equal(r.code, 0, r.stderr);
  const detail = await a.ok('GET', `/api/rooms/${room.id}`);
  const roles = Object.fromEntries(detail.members.map((m) => [m.user.id, m.role]));
  assert.equal(roles[owner.id], 'member');
  assert.equal(roles[Math.min(a.id, b.id)], 'owner');
  // The events were stored with the change: a resume sees them.
  const ws = await b.ws({ cursors: { [room.id]: before } });
  const seen = ws.events(room.id);
  assert.deepEqual(seen.map((f) => [f.type, f.user, f.role, f.reason]), [
    ['member.role_changed', owner.id, 'member', 'owner_disabled'],
    ['member.role_changed', Math.min(a.id, b.id), 'owner', 'owner_disabled'],
    ['message.created', undefined, undefined, undefined],
  ]);
  assert.deepEqual([seen[2].message.system.action, seen[2].message.system.reason], ['role_changed', 'owner_disabled']);

  await runTonari(['admin', 'enable-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'kato']);
  const back = await login(srv, 'kato', { token: true });
  assert.equal((await back.ok('GET', `/api/rooms/${room.id}`)).room.role, 'member');
});

test('an administrator takes over a room; staff cannot', { timeout: 60000 }, async () => {
  const srv = await startServer({ demo: true });
  const owner = await login(srv, 'sato', { token: true });
  const member = await login(srv, 'suzuki', { token: true });
  const outsider = await login(srv, 'ueda', { token: true });
  const admin = await login(srv, 'yamada', { token: true });  // さくら市's IT administrator
  assert.equal(admin.user.role, 'admin');
  const { room } = await owner.ok('POST', '/api/rooms', { name: '防災係の連絡', members: [member.id] }, 201);
  const watch = await member.ws();
  const adminWs = await admin.ws();

  const denied = await member.post(`/api/rooms/${room.id}/takeover`);
  assert.equal(denied.status, 403);
  assert.equal(denied.json.error.code, 'permission_denied');
  const hidden = await outsider.post(`/api/rooms/${room.id}/takeover`);
  assert.equal(hidden.status, 404);
  assert.equal((await admin.post('/api/rooms/999999/takeover')).status, 404);

  const taken = await admin.ok('POST', `/api/rooms/${room.id}/takeover`);
  assert.equal(taken.room.role, 'owner');
  assert.equal(taken.room.member_count, 3);
  const added = await adminWs.next((f) => f.type === 'room.added' && f.room.id === room.id, 5000, 'room.added');
  assert.equal(added.room.role, 'owner');
  const joined = await watch.next((f) => f.type === 'member.joined' && f.room === room.id, 5000, 'member.joined');
  assert.equal(joined.users[0].id, admin.id);
  const up = await watch.next((f) => f.type === 'member.role_changed' && f.user === admin.id, 5000, 'role_changed');
  assert.equal(up.role, 'owner');
  assert.equal(up.reason, 'takeover');
  const down = await watch.next((f) => f.type === 'member.role_changed' && f.user === owner.id, 5000, 'role_changed');
  assert.equal(down.role, 'member');
  assert.deepEqual(watch.evErrors, []);

  // The former owner is now a member: removing others is no longer theirs to do.
  assert.equal((await owner.del(`/api/rooms/${room.id}/members/${member.id}`)).status, 403);
  // 1:1 rooms have no owner to take over.
  const { room: direct } = await owner.ok('POST', '/api/direct', { user: member.id });
  assert.equal((await admin.post(`/api/rooms/${direct.id}/takeover`)).status, 403);

  const line = srv.logLines().find((l) => l.event === 'room.taken_over');
  assert.ok(line, `no room.taken_over log line in:\n${srv.stderrTail()}`);
  assert.equal(line.room, room.id);
  assert.equal(line.admin, admin.id);
});
