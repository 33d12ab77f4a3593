// The org-tree sync at scale and the edges of room management: a CSV import joins the
// all-staff room in batches (one notice, not one per person), `admin sync-rooms` completes
// a sync, a tenant admin joins a room only by taking it over, a room admin removes members
// but not owners, and a disabled account is given no role.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTonari, DEMO_TENANT } from './lib/server.mjs';
import { fileSetup, demoServer, loginAll, assertError, assertStatus, createGroup, fetchAllMessages } from './lib/util.mjs';

fileSetup({ watchdogMs: 120000 });

let srv;
let U;
const T = { timeout: 60000 };

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['yamada', 'sato', 'tanaka', 'suzuki', 'ito']);
});

const roomOf = async (c, id) => c.ok('GET', `/api/rooms/${id}?limit=500`);
const allStaffRoom = async (c) => (await c.ok('GET', '/api/rooms')).rooms.find((r) => r.name === '全職員');

test('a CSV import joins the all-staff room in one batch, with one notice', T, async () => {
  const { yamada } = U;
  const all = await allStaffRoom(yamada);
  assert.ok(all, 'the demo all-staff room');
  assert.equal(all.rules.sync.kind, 'tenant');
  const before = (await fetchAllMessages(yamada, all.id)).length;

  const csv = join(srv.dataDir, 'new-staff.csv');
  writeFileSync(csv, 'login,name,reading,department,title,password\n' +
    'shin1,新井 一郎,あらい いちろう,防災係,主事,sakura-import-1\n' +
    'shin2,新田 二郎,にった じろう,福祉課,主事,sakura-import-2\n' +
    'shin3,新谷 三子,しんたに みつこ,,主事,sakura-import-3\n');
  const r = await runTonari(['admin', 'import-users', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--csv', csv]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /imported 3 users, 0 failed/);

  const msgs = await fetchAllMessages(yamada, all.id);
  const notes = msgs.slice(before).filter((m) => m.kind === 'system');
  assert.equal(notes.length, 1, 'one notice for the whole import');
  assert.equal(notes[0].system.action, 'members_added');
  assert.equal(notes[0].system.reason, 'org');
  assert.equal(notes[0].system.count, 3);
  const ids = (await roomOf(yamada, all.id)).members.map((m) => m.user.login);
  for (const l of ['shin1', 'shin2', 'shin3']) assert.ok(ids.includes(l), `${l} in 全職員`);

  // Nothing left to add: sync-rooms completes a sync and otherwise changes nothing.
  const again = await runTonari(['admin', 'sync-rooms', '--data', srv.dataDir, '--tenant', DEMO_TENANT]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal((await fetchAllMessages(yamada, all.id)).length, msgs.length, 'no new notice');
});

test('a tenant admin joins a room they are not in only by taking it over', T, async () => {
  const { yamada, sato, tanaka } = U;
  const R = (await createGroup(sato, '係内の相談', [tanaka.id])).id;
  assertError(await yamada.post(`/api/rooms/${R}/members`, { users: [yamada.id] }), 403, 'permission_denied', 'admin adds themselves');
  assert.ok(!(await roomOf(sato, R)).members.some((m) => m.user.id === yamada.id));
  assertStatus(await yamada.post(`/api/rooms/${R}/takeover`, {}), 200, 'takeover');
  assert.ok((await roomOf(sato, R)).members.some((m) => m.user.id === yamada.id && m.role === 'owner'));
});

test('a room admin removes members, not the owners; a disabled account gets no role', T, async () => {
  const { sato, tanaka, suzuki, ito } = U;
  const R = (await createGroup(sato, '管理者の範囲', [tanaka.id, suzuki.id, ito.id])).id;
  const role = (c, user, r) => c.req('PUT', `/api/rooms/${R}/members/${user}/role`, { body: { role: r } });
  assertStatus(await role(sato, tanaka.id, 'admin'), 200, 'tanaka admin');
  assertStatus(await role(sato, suzuki.id, 'admin'), 200, 'suzuki admin');
  assertError(await tanaka.del(`/api/rooms/${R}/members/${sato.id}`), 403, 'permission_denied', 'admin removes the owner');
  assertError(await tanaka.del(`/api/rooms/${R}/members/${suzuki.id}`), 403, 'permission_denied', 'admin removes an admin');
  assertStatus(await tanaka.del(`/api/rooms/${R}/members/${ito.id}`), 200, 'admin removes a member');
  assertStatus(await sato.del(`/api/rooms/${R}/members/${suzuki.id}`), 200, 'owner removes an admin');

  // 西村 (demo: disabled) is a member of 全職員: the owner cannot make them an admin.
  const { yamada } = U;
  const all = await allStaffRoom(yamada);
  const nishimura = (await roomOf(yamada, all.id)).members.find((m) => m.user.login === 'nishimura');
  assert.ok(nishimura && nishimura.user.disabled, 'the disabled demo account');
  const denied = await yamada.req('PUT', `/api/rooms/${all.id}/members/${nishimura.user.id}/role`, { body: { role: 'admin' } });
  assertError(denied, 400, 'invalid_argument', 'role for a disabled account');
});
