// 五十音 order is the order of the readings (docs/api.md: "in 五十音 order of readings"):
// 佐藤 花子 (さとう) comes before 佐渡 花子 (さどう), 八田 (はった) before 初田 (はつた),
// whatever their names' kanji say; the name only orders equal readings. Checked where
// users are listed: the directory, a room's members and a message's readers.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { login } from './lib/client.mjs';
import { createUser, DEMO_TENANT } from './lib/server.mjs';
import { fileSetup, demoServer, loginAll, assertStatus, createGroup, postMessage } from './lib/util.mjs';

fileSetup();

const T = { timeout: 30000 };
const PASSWORD = 'gojuon-test-pw';
// In the order of their readings (ICU's Japanese collation, as Intl.Collator('ja')).
const PEOPLE = [
  { login: 'g-sato', name: '佐藤 花子', reading: 'さとう はなこ' },
  { login: 'g-sado', name: '佐渡 花子', reading: 'さどう はなこ' },
  { login: 'g-hatta', name: '八田 花子', reading: 'はった はなこ' },
  { login: 'g-hatsuta', name: '初田 花子', reading: 'はつた はなこ' },
];

let srv;
let tanaka;
const C = {};  // login → Client

before(async () => {
  srv = await demoServer();
  // Created in the reverse order, so that ids do not happen to give the expected order.
  for (const p of [...PEOPLE].reverse()) {
    await createUser(srv.dataDir, { tenant: DEMO_TENANT, password: PASSWORD, ...p });
  }
  ({ tanaka } = await loginAll(srv, ['tanaka']));
  for (const p of PEOPLE) C[p.login] = await login(srv, p.login, { password: PASSWORD });
});

const expectedIds = (logins) => PEOPLE.filter((p) => logins.includes(p.login)).map((p) => C[p.login].id);

test('the readings alone decide the order (as ICU collates them)', T, async () => {
  const ja = new Intl.Collator('ja');
  const sorted = [...PEOPLE].sort((a, b) => ja.compare(a.reading, b.reading));
  assert.deepEqual(sorted.map((p) => p.login), PEOPLE.map((p) => p.login));
  // A single key of "reading name" would put 佐渡 and 初田 first.
  assert.ok(ja.compare('さどう はなこ 佐渡 花子', 'さとう はなこ 佐藤 花子') < 0);
});

test('directory: GET /api/users lists them by reading', T, async () => {
  const r = await tanaka.get(`/api/users?q=${encodeURIComponent('はなこ')}&limit=50`);
  assertStatus(r, 200);
  const ours = r.json.users.filter((u) => u.login.startsWith('g-')).map((u) => u.id);
  assert.deepEqual(ours, expectedIds(PEOPLE.map((p) => p.login)));
});

test('room members and a message\'s readers are listed by reading', T, async () => {
  const ids = PEOPLE.map((p) => C[p.login].id);
  const room = await createGroup(tanaka, '五十音の順', [...ids].reverse());
  const d = await tanaka.get(`/api/rooms/${room.id}`);
  assertStatus(d, 200);
  const members = d.json.members.map((m) => m.user.id).filter((id) => ids.includes(id));
  assert.deepEqual(members, ids);

  const msg = await postMessage(tanaka, room.id, '順番の確認');
  for (const l of ['g-sado', 'g-sato']) {
    assertStatus(await C[l].post(`/api/rooms/${room.id}/read`, { seq: msg.seq }), 200, `${l} reads`);
  }
  const rd = await tanaka.get(`/api/rooms/${room.id}/messages/${msg.seq}/readers`);
  assertStatus(rd, 200);
  assert.deepEqual(rd.json.read.map((u) => u.id), expectedIds(['g-sato', 'g-sado']));
  assert.deepEqual(rd.json.unread.map((u) => u.id), expectedIds(['g-hatta', 'g-hatsuta']));
});
