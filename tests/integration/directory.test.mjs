// Directory: user search (kana/width/case-insensitive), 五十音 order, department
// filter with sub-departments, departments, profile status (docs/api.md: Directory, Session).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  fileSetup, demoServer, loginAll, assertError, assertStatus, assertGojuon, assertUserShape,
} from './lib/util.mjs';

fileSetup();

let srv;
let U;
let ALL;    // every user of さくら市 (limit=200)
const T = { timeout: 30000 };

// Width-, case- and kana-insensitive normal form (what the spec promises for q).
function norm(s) {
  return String(s ?? '').normalize('NFKC').toLowerCase()
    .replace(/[\u30a1-\u30f6]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x60));
}
function matches(u, q) {
  const n = norm(q);
  return [u.name, u.reading, u.login].some((f) => norm(f).includes(n));
}
const ids = (users) => users.map((u) => u.id);
const sortedIds = (users) => ids(users).sort((a, b) => a - b);

async function search(client, query) {
  const r = await client.get(`/api/users?${query}`);
  assertStatus(r, 200, `GET /api/users?${query}`);
  assert.ok(Array.isArray(r.json.users));
  return r.json.users;
}

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['tanaka', 'sato', 'yamada']);
  ALL = await search(U.tanaka, 'limit=200');
});

test('GET /api/me: user, csrf_token, tenant', T, async () => {
  const r = await U.tanaka.get('/api/me');
  assertStatus(r, 200);
  assertUserShape(r.json.user, 'me');
  assert.equal(r.json.user.login, 'tanaka');
  assert.equal(r.json.user.role, 'staff');
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.deepEqual(r.json.tenant, { code: '999001', name: 'さくら市' });
  assert.equal((await U.yamada.get('/api/me')).json.user.role, 'admin');
});

test('user list is complete and in 五十音 order of reading', T, async () => {
  assert.ok(ALL.length >= 7, `demo has at least the 7 documented users, got ${ALL.length}`);
  for (const u of ALL) assertUserShape(u, u.login);
  for (const l of ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe']) {
    assert.ok(ALL.some((u) => u.login === l), `demo user ${l} listed`);
  }
  assert.equal(new Set(ids(ALL)).size, ALL.length, 'no duplicates');
  assertGojuon(ALL, 'GET /api/users');
  // default limit 50, explicit limits are honoured
  const def = await search(U.tanaka, '');
  assert.equal(def.length, Math.min(50, ALL.length), 'default limit 50');
  assert.deepEqual(ids(def), ids(ALL).slice(0, def.length));
  const two = await search(U.tanaka, 'limit=2');
  assert.deepEqual(ids(two), ids(ALL).slice(0, 2), 'limit=2 gives the first two');
});

test('q matches reading, name and login, insensitive to width, case and hiragana/katakana', T, async () => {
  const tanakaId = U.tanaka.id;
  const expected = sortedIds(ALL.filter((u) => matches(u, 'たなか')));
  assert.ok(expected.includes(tanakaId));
  for (const q of ['たなか', 'タナカ', 'ﾀﾅｶ']) {
    const res = await search(U.sato, `q=${encodeURIComponent(q)}&limit=200`);
    assert.ok(res.some((u) => u.id === tanakaId && u.name.includes('田中')), `q=${q} finds 田中: ${JSON.stringify(res.map((u) => u.name))}`);
    assert.deepEqual(sortedIds(res), expected, `q=${q} returns exactly the matching users`);
    assertGojuon(res, `q=${q}`);
    for (const u of res) assert.ok(matches(u, q), `q=${q} returned a non-matching user ${u.login}`);
  }
  for (const q of ['田中', 'tanaka', 'TANAKA', 'Ｔａｎａｋａ']) {
    const res = await search(U.sato, `q=${encodeURIComponent(q)}&limit=200`);
    assert.ok(res.some((u) => u.id === tanakaId), `q=${q} finds tanaka: ${JSON.stringify(res.map((u) => u.login))}`);
    assert.deepEqual(sortedIds(res), sortedIds(ALL.filter((u) => matches(u, q))), `q=${q} exact result set`);
  }
  const sato = await search(U.tanaka, `q=${encodeURIComponent('ｻﾄｳ')}&limit=200`);
  assert.ok(sato.some((u) => u.login === 'sato'), 'q=ｻﾄｳ finds sato');
  // a broad query: many results, all matching, in order
  const ta = await search(U.tanaka, `q=${encodeURIComponent('た')}&limit=200`);
  assert.deepEqual(sortedIds(ta), sortedIds(ALL.filter((u) => matches(u, 'た'))));
  assertGojuon(ta, 'q=た');
  assert.deepEqual(await search(U.tanaka, `q=${encodeURIComponent('存在しない職員xyz')}`), []);
});

test('GET /api/departments and the department filter (with sub-departments)', T, async () => {
  const r = await U.tanaka.get('/api/departments');
  assertStatus(r, 200);
  const depts = r.json.departments;
  assert.ok(Array.isArray(depts) && depts.length > 0, 'demo has departments');
  const byId = new Map(depts.map((d) => [d.id, d]));
  for (const d of depts) {
    assert.equal(typeof d.id, 'number');
    assert.equal(typeof d.name, 'string');
    assert.equal(typeof d.reading, 'string');
    assert.ok(d.parent === null || byId.has(d.parent), `department ${d.id} parent ${d.parent} exists`);
  }
  assert.ok(depts.some((d) => d.parent === null), 'at least one top-level department (部)');
  for (const u of ALL) {
    if (u.department) {
      assert.ok(byId.has(u.department.id), `${u.login}'s department is listed`);
      assert.equal(u.department.name, byId.get(u.department.id).name);
    }
  }
  const children = new Map();
  for (const d of depts) {
    if (d.parent !== null) {
      if (!children.has(d.parent)) children.set(d.parent, []);
      children.get(d.parent).push(d.id);
    }
  }
  const subtree = (id) => {
    const out = new Set([id]);
    const stack = [id];
    while (stack.length) for (const c of children.get(stack.pop()) || []) if (!out.has(c)) { out.add(c); stack.push(c); }
    return out;
  };
  let exercisedNesting = 0;
  for (const d of depts) {
    const sub = subtree(d.id);
    const expected = ALL.filter((u) => u.department && sub.has(u.department.id));
    const direct = ALL.filter((u) => u.department && u.department.id === d.id);
    const res = await search(U.tanaka, `department=${d.id}&limit=200`);
    assert.deepEqual(sortedIds(res), sortedIds(expected), `department=${d.id} (${d.name}) must include its sub-departments`);
    assertGojuon(res, `department=${d.id}`);
    if (expected.length > direct.length) exercisedNesting += 1;
  }
  assert.ok(exercisedNesting > 0, 'the demo org tree has a department whose users sit in sub-departments');
  // q and department combine
  const tanakaDept = U.tanaka.user.department;
  if (tanakaDept) {
    const res = await search(U.sato, `q=${encodeURIComponent('たなか')}&department=${tanakaDept.id}`);
    assert.ok(res.some((u) => u.id === U.tanaka.id));
    for (const u of res) assert.ok(matches(u, 'たなか') && subtree(tanakaDept.id).has(u.department.id));
  }
});

test('GET /api/users/{id}', T, async () => {
  const r = await U.sato.get(`/api/users/${U.tanaka.id}`);
  assertStatus(r, 200);
  assertUserShape(r.json.user);
  assert.equal(r.json.user.login, 'tanaka');
  assert.equal(r.json.user.name, U.tanaka.user.name);
  assertError(await U.sato.get('/api/users/987654321'), 404, 'not_found', 'unknown user');
});

test('PATCH /api/me status: visible to colleagues, ≤ 100 characters, nothing else changes', T, async () => {
  const { tanaka, sato } = U;
  const p = await tanaka.patch('/api/me', { status: '本日は第2庁舎2F' });
  assertStatus(p, 200, 'PATCH /api/me');
  assert.equal(p.json.user.status, '本日は第2庁舎2F');
  assert.equal(p.json.user.id, tanaka.id);
  assert.equal((await tanaka.get('/api/me')).json.user.status, '本日は第2庁舎2F');
  assert.equal((await sato.get(`/api/users/${tanaka.id}`)).json.user.status, '本日は第2庁舎2F', 'colleague sees the status');
  const listed = await search(sato, `q=tanaka`);
  assert.equal(listed.find((u) => u.id === tanaka.id).status, '本日は第2庁舎2F', 'directory shows the status');

  const hundred = '出'.repeat(100);
  assertStatus(await tanaka.patch('/api/me', { status: hundred }), 200, '100 characters');
  assertError(await tanaka.patch('/api/me', { status: '出'.repeat(101) }), 400, 'invalid_argument', '101 characters');
  assertError(await tanaka.patch('/api/me', { status: 5 }), 400, 'invalid_argument', 'status not a string');
  assert.equal((await sato.get(`/api/users/${tanaka.id}`)).json.user.status, hundred, 'a rejected PATCH changes nothing');

  // privilege fields cannot be changed through PATCH /api/me
  const esc = await tanaka.patch('/api/me', { status: '通常勤務', role: 'admin', login: 'root', name: '偽名' });
  assert.ok(esc.status === 200 || esc.status === 400, `unexpected ${esc.status}: ${esc.text}`);
  const me = (await sato.get(`/api/users/${tanaka.id}`)).json.user;
  assert.equal(me.role, 'staff');
  assert.equal(me.login, 'tanaka');
  assert.equal(me.name, tanaka.user.name);
});
