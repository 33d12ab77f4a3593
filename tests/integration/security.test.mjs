// Security: room membership, tenant isolation, CSRF/Origin, authentication, logout,
// request limits, login throttling (more in login.test.mjs), malformed input (docs/api.md: Conventions).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  login, loginRaw, rawFetch, rawHttp, wsUpgradeResult, sessionCookieFrom, cid, sleep,
} from './lib/client.mjs';
import { createTenant, createUser, startServer, CLUSTER_MODE } from './lib/server.mjs';
import {
  fileSetup, demoServer, loginAll, assertError, assertStatus, createGroup, postMessage, roomSummary,
} from './lib/util.mjs';

fileSetup();

let srv;
let U;
let G;        // group room tanaka+sato (suzuki is not a member)
let D;        // direct room tanaka<->sato
const T = { timeout: 30000 };

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['tanaka', 'sato', 'suzuki']);
  G = (await createGroup(U.tanaka, '秘密の会議', [U.sato.id])).id;
  await postMessage(U.tanaka, G, '秘密の議題');
  D = (await U.tanaka.post('/api/direct', { user: U.sato.id })).json.room.id;
  await postMessage(U.tanaka, D, '内緒の話');
});

test('a non-member gets 404 not_found on every room path', T, async () => {
  const { tanaka, suzuki } = U;
  for (const room of [G, D]) {
    const checks = [
      ['GET room', await suzuki.get(`/api/rooms/${room}`)],
      ['GET history', await suzuki.get(`/api/rooms/${room}/messages`)],
      ['GET history after', await suzuki.get(`/api/rooms/${room}/messages?after=0`)],
      ['POST message', await suzuki.post(`/api/rooms/${room}/messages`, { client_id: cid(), body: '侵入' })],
      ['PATCH message', await suzuki.patch(`/api/rooms/${room}/messages/1`, { body: '改ざん' })],
      ['DELETE message', await suzuki.del(`/api/rooms/${room}/messages/1`)],
      ['POST read', await suzuki.post(`/api/rooms/${room}/read`, { seq: 1 })],
      ['GET readers', await suzuki.get(`/api/rooms/${room}/messages/1/readers`)],
      ['PATCH room', await suzuki.patch(`/api/rooms/${room}`, { name: '乗っ取り' })],
      ['POST members (self-invite)', await suzuki.post(`/api/rooms/${room}/members`, { users: [suzuki.id] })],
      ['DELETE member', await suzuki.del(`/api/rooms/${room}/members/${tanaka.id}`)],
    ];
    for (const [what, r] of checks) assertError(r, 404, 'not_found', `${what} on room ${room}`);
  }
  // nothing changed
  const det = await tanaka.get(`/api/rooms/${G}`);
  assertStatus(det, 200);
  assert.equal(det.json.room.name, '秘密の会議');
  assert.equal(det.json.members.length, 2);
  assert.equal((await roomSummary(tanaka, G)).msg_seq, 2, 'room_created and one message');
  assert.ok(!(await suzuki.get('/api/rooms')).json.rooms.some((r) => r.id === G || r.id === D));
  const rd = (await tanaka.get(`/api/rooms/${G}/messages/1/readers`)).json;
  assert.ok(![...rd.read, ...rd.unread].some((u) => u.id === suzuki.id), 'a non-member is never a reader');
  // unknown room ids look the same
  assertError(await suzuki.get('/api/rooms/987654321'), 404, 'not_found', 'unknown room');
  assertError(await suzuki.get('/api/rooms/987654321/messages'), 404, 'not_found', 'unknown room history');
});

test('a non-member receives no WS events of a room, cannot send or read over WS', T, async () => {
  const { tanaka, suzuki } = U;
  const DZ = (await tanaka.post('/api/direct', { user: suzuki.id })).json.room.id;
  const ws = await suzuki.ws({ cursors: { [G]: 0, [D]: 0 } });
  assert.ok(!ws.welcome.rooms.some((r) => r.id === G || r.id === D), 'welcome lists only own rooms');
  assert.deepEqual(ws.seen((f) => (f.room === G || f.room === D) && typeof f.ev === 'number'), [], 'no replay of foreign rooms');

  await postMessage(tanaka, G, '鈴木さんには見えない');
  await postMessage(tanaka, D, '鈴木さんには見えない(DM)');
  const barrier = await postMessage(tanaka, DZ, '鈴木さんへ');
  await ws.next((f) => f.type === 'message.created' && f.message.id === barrier.id, 3000, 'barrier message');
  await sleep(300);

  const k = ws.sendMessage(G, '侵入');
  const e = await ws.ack(k);
  assert.equal(e.type, 'error', `send to a foreign room must fail: ${JSON.stringify(e)}`);
  assert.equal(e.error.code, 'not_found');
  ws.send({ type: 'read', room: G, seq: 2 });
  await ws.ping();
  assert.deepEqual(ws.seen((f) => f.room === G || f.room === D).filter((f) => f.type !== 'room.removed'), [], 'no frames of foreign rooms');
  assert.equal((await roomSummary(tanaka, G)).msg_seq, 3, 'nothing was posted (room_created and two messages)');
  const rd = (await tanaka.get(`/api/rooms/${G}/messages/2/readers`)).json;
  assert.ok(![...rd.read, ...rd.unread].some((u) => u.id === suzuki.id));
  await ws.close();
});

test('another municipality sees nothing of さくら市', T, async () => {
  const { tanaka } = U;
  await createTenant(srv.dataDir, { code: '999002', name: 'もみじ町' });
  await createUser(srv.dataDir, { tenant: '999002', login: 'kato', name: '加藤 一郎', reading: 'かとう いちろう', password: 'secret-pass-1', title: '主事' });
  await createUser(srv.dataDir, { tenant: '999002', login: 'kimura', name: '木村 花', reading: 'きむら はな', password: 'secret-pass-2', admin: true });

  const kato = await login(srv, 'kato', { tenant: '999002', password: 'secret-pass-1' });
  assert.deepEqual(kato.loginResponse.json.tenant, { code: '999002', name: 'もみじ町' });
  assert.equal(kato.user.name, '加藤 一郎');
  assert.equal(kato.user.title, '主事');
  assert.equal(kato.user.role, 'staff');
  const kimura = await login(srv, 'kimura', { tenant: '999002', password: 'secret-pass-2' });
  assert.equal(kimura.user.role, 'admin');

  // directory
  for (const q of ['たなか', 'tanaka', '田中', '']) {
    const r = await kato.get(`/api/users?q=${encodeURIComponent(q)}&limit=200`);
    assertStatus(r, 200, `users?q=${q}`);
    const logins = r.json.users.map((u) => u.login).sort();
    if (q === '') assert.deepEqual(logins, ['kato', 'kimura'], 'only own municipality listed');
    else assert.deepEqual(logins, [], `q=${q} finds nobody in もみじ町`);
  }
  assertError(await kato.get(`/api/users/${tanaka.id}`), 404, 'not_found', 'foreign user by id');
  const depts = (await tanaka.get('/api/departments')).json.departments.map((d) => d.id);
  const kdepts = (await kato.get('/api/departments')).json.departments.map((d) => d.id);
  assert.deepEqual(kdepts.filter((id) => depts.includes(id)), [], 'no さくら市 departments visible');
  if (depts.length) {
    const r = await kato.get(`/api/users?department=${depts[0]}`);
    assert.ok(r.status === 404 || (r.status === 200 && r.json.users.length === 0) || r.status === 400,
      `department filter with a foreign department must not reveal users: ${r.status} ${r.text}`);
  }

  // rooms
  const kr = await kato.get('/api/rooms');
  assertStatus(kr, 200);
  assert.ok(!kr.json.rooms.some((r) => r.id === G || r.id === D), 'no さくら市 rooms listed');
  assertError(await kato.get(`/api/rooms/${G}`), 404, 'not_found', 'foreign room');
  assertError(await kato.get(`/api/rooms/${G}/messages`), 404, 'not_found', 'foreign history');
  assertError(await kato.post(`/api/rooms/${G}/messages`, { client_id: cid(), body: '越境' }), 404, 'not_found', 'post to foreign room');
  assertError(await kato.post(`/api/rooms/${G}/members`, { users: [kato.id] }), 404, 'not_found', 'join foreign room');
  assertError(await kato.post('/api/direct', { user: tanaka.id }), 404, 'not_found', 'direct with a foreign user');
  const cr = await kato.post('/api/rooms', { name: '越境ルーム', members: [tanaka.id] });
  assertError(cr, 404, 'not_found', 'create a room with a foreign member');
  assert.equal((await kato.get('/api/rooms')).json.rooms.length, kr.json.rooms.length, 'no room created');
  // mentions and members across tenants
  const own = await kato.post('/api/rooms', { name: 'もみじ町の部屋', members: [kimura.id] });
  assertStatus(own, 201, 'own-tenant room');
  assertError(await kato.post(`/api/rooms/${own.json.room.id}/members`, { users: [tanaka.id] }), 404, 'not_found', 'add a foreign user');
  // and the other way round
  assertError(await tanaka.get(`/api/users/${kato.id}`), 404, 'not_found', 'さくら市 cannot see もみじ町 users');
  const tq = (await tanaka.get(`/api/users?q=${encodeURIComponent('加藤')}&limit=200`)).json.users;
  assert.ok(!tq.some((u) => u.id === kato.id));
  assertError(await tanaka.get(`/api/rooms/${own.json.room.id}`), 404, 'not_found', 'foreign room the other way');
  assertError(await tanaka.post('/api/direct', { user: kimura.id }), 404, 'not_found');

  // WebSocket: cursors for foreign rooms give nothing
  const ws = await kato.ws({ cursors: { [G]: 0 } });
  assert.ok(!ws.welcome.rooms.some((r) => r.id === G));
  assert.deepEqual(ws.seen((f) => f.room === G && typeof f.ev === 'number'), []);
  await ws.close();

  // a さくら市 login in the もみじ町 tenant does not exist
  const wrong = await loginRaw(srv, { tenant: '999002', login: 'tanaka', password: 'sakura-demo' });
  assertError(wrong, 401, 'unauthenticated', 'tanaka@999002');
});

test('malformed JSON, wrong types, oversized bodies, unknown ids and methods', T, async () => {
  const bearer = await login(srv, 'tanaka', { token: true });
  const { tanaka } = U;
  for (const [what, c] of [['bearer', bearer], ['cookie', tanaka]]) {
    assertError(await c.post('/api/rooms', '{"name": "x", '), 400, 'invalid_json', `${what}: truncated JSON`);
    assertError(await c.post('/api/rooms', '[1, 2]'), 400, 'invalid_json', `${what}: JSON array`);
    assertError(await c.post('/api/rooms', '"str"'), 400, 'invalid_json', `${what}: JSON string`);
    assertError(await c.post(`/api/rooms/${G}/messages`, 'not json'), 400, 'invalid_json', `${what}: garbage`);
  }
  assertError(await bearer.post('/api/rooms', { members: [] }), 400, 'invalid_argument', 'missing name');
  assertError(await bearer.post('/api/rooms', { name: 'x', members: 'all' }), 400, 'invalid_argument', 'members not an array');
  assertError(await bearer.post('/api/rooms', { name: 123, members: [] }), 400, 'invalid_argument', 'name not a string');
  assertError(await bearer.post(`/api/rooms/${G}/messages`, { client_id: cid() }), 400, 'invalid_argument', 'missing body');
  assertError(await bearer.post(`/api/rooms/${G}/read`, { seq: '1' }), 400, 'invalid_argument', 'seq as a string');

  const big = JSON.stringify({ client_id: cid(), body: 'x'.repeat(1024 * 1024 + 1000) });
  const r413 = await rawHttp(srv, 'POST', `/api/rooms/${G}/messages`, {
    headers: { Authorization: `Bearer ${bearer.token}`, 'Content-Type': 'application/json' }, body: big,
  });
  assertError(r413, 413, 'payload_too_large', 'body over 1 MiB');
  const msgSeq = (await roomSummary(bearer, G)).msg_seq;
  const mid = JSON.stringify({ client_id: cid(), body: 'x'.repeat(10001) });
  const r400 = await rawHttp(srv, 'POST', `/api/rooms/${G}/messages`, {
    headers: { Authorization: `Bearer ${bearer.token}`, 'Content-Type': 'application/json' }, body: mid,
  });
  assertError(r400, 400, 'invalid_argument', '10,001 characters');
  assert.equal((await roomSummary(bearer, G)).msg_seq, msgSeq, 'nothing stored');
  // the server is still healthy after the large body
  assertStatus(await bearer.get('/api/me'), 200, 'after 413');

  assertError(await bearer.get('/api/rooms/987654321'), 404, 'not_found', 'unknown room');
  assertError(await bearer.get('/api/users/987654321'), 404, 'not_found', 'unknown user');
  assertError(await bearer.get(`/api/rooms/${G}/messages/987654/readers`), 404, 'not_found', 'unknown seq');
  assertError(await bearer.patch(`/api/rooms/${G}/messages/987654`, { body: 'x' }), 404, 'not_found', 'edit unknown seq');
  assertError(await bearer.del(`/api/rooms/${G}/members/987654321`), 404, 'not_found', 'remove unknown member');

  assertError(await bearer.req('PUT', '/api/rooms', { body: {} }), 405, 'method_not_allowed', 'PUT /api/rooms');
  assertError(await bearer.req('DELETE', '/api/me'), 405, 'method_not_allowed', 'DELETE /api/me');
  assertError(await bearer.req('GET', '/api/direct'), 405, 'method_not_allowed', 'GET /api/direct');
});

test('an unknown /api/ path is a 404 JSON error (not the web client page)', T, async () => {
  const bearer = await login(srv, 'tanaka', { token: true });
  for (const p of ['/api/nonexistent', '/api/rooms/1/nothing']) {
    const r = await bearer.get(p);
    assertError(r, 404, 'not_found', `GET ${p}`);
  }
});

test('CSRF: cookie-authenticated unsafe requests need X-CSRF-Token and a matching Origin', T, async () => {
  const tanaka = await login(srv, 'tanaka');
  const url = `/api/rooms/${G}/messages`;
  const seq0 = (await roomSummary(tanaka, G)).msg_seq;
  const body = () => ({ client_id: cid('csrf'), body: 'CSRFテスト' });

  assertError(await tanaka.post(url, body(), { csrf: false }), 403, 'csrf_failed', 'no X-CSRF-Token');
  assertError(await tanaka.post(url, body(), { csrf: false, headers: { 'X-CSRF-Token': 'bogus' } }), 403, 'csrf_failed', 'wrong X-CSRF-Token');
  assertError(await tanaka.post(url, body(), { csrf: false, headers: { 'X-CSRF-Token': U.sato.csrf } }), 403, 'csrf_failed', 'another session\'s token');
  assertError(await tanaka.post(url, body(), { origin: 'http://evil.example' }), 403, 'csrf_failed', 'foreign Origin');
  const otherPort = srv.port === 65535 ? 65534 : srv.port + 1;
  assertError(await tanaka.post(url, body(), { origin: `http://127.0.0.1:${otherPort}` }), 403, 'csrf_failed', 'Origin with another port');
  assertError(await tanaka.post(url, body(), { origin: 'null' }), 403, 'csrf_failed', 'Origin: null');
  assertError(await tanaka.patch('/api/me', { status: 'x' }, { csrf: false }), 403, 'csrf_failed', 'PATCH /api/me without token');
  assertError(await tanaka.del(`/api/rooms/${G}/members/${tanaka.id}`, { csrf: false }), 403, 'csrf_failed', 'DELETE without token');
  assertError(await tanaka.post(`/api/rooms/${G}/read`, { seq: 1 }, { csrf: false }), 403, 'csrf_failed', 'read without token');
  assertError(await tanaka.post('/api/logout', {}, { csrf: false }), 403, 'csrf_failed', 'logout without token');
  assert.equal((await roomSummary(tanaka, G)).msg_seq, seq0, 'refused requests changed nothing');
  assertStatus(await tanaka.get('/api/me'), 200, 'the session is still alive');

  // safe methods need no token
  assertStatus(await tanaka.get(`/api/rooms/${G}/messages`), 200, 'GET with cookie, no token');
  // matching Origin, or no Origin at all, with the token
  assertStatus(await tanaka.post(url, body()), 201, 'token + own Origin');
  assertStatus(await tanaka.post(url, body(), { origin: false }), 201, 'token, no Origin');
  // the csrf_token from GET /api/me works too
  const me = await tanaka.get('/api/me');
  assert.equal(typeof me.json.csrf_token, 'string');
  assert.ok(me.json.csrf_token.length >= 16);
  assertStatus(await tanaka.post(url, body(), { csrf: false, headers: { 'X-CSRF-Token': me.json.csrf_token } }), 201, 'token from /api/me');
  assert.equal((await roomSummary(tanaka, G)).msg_seq, seq0 + 3);
});

test('WebSocket upgrade: cookie needs a matching Origin; bearer needs none; no auth is 401', T, async () => {
  const { tanaka } = U;
  const bearer = await login(srv, 'sato', { token: true });
  const foreign = await wsUpgradeResult(srv, { headers: { Cookie: tanaka.cookie }, origin: 'http://evil.example' });
  assert.equal(foreign.status, 403, `cookie + foreign Origin must be refused: ${JSON.stringify(foreign)}`);
  if (foreign.json) assert.equal(foreign.json.error.code, 'csrf_failed');
  const missing = await wsUpgradeResult(srv, { headers: { Cookie: tanaka.cookie } });
  assert.equal(missing.status, 403, `cookie without Origin must be refused: ${JSON.stringify(missing)}`);
  if (missing.json) assert.equal(missing.json.error.code, 'csrf_failed');
  const okCookie = await wsUpgradeResult(srv, { headers: { Cookie: tanaka.cookie }, origin: srv.origin });
  assert.equal(okCookie.status, 101, `cookie + own Origin is accepted: ${JSON.stringify(okCookie)}`);
  const okBearer = await wsUpgradeResult(srv, { headers: { Authorization: `Bearer ${bearer.token}` } });
  assert.equal(okBearer.status, 101, `bearer without Origin is accepted: ${JSON.stringify(okBearer)}`);
  const none = await wsUpgradeResult(srv, { origin: srv.origin });
  assert.equal(none.status, 401, `no credentials: ${JSON.stringify(none)}`);
  const badBearer = await wsUpgradeResult(srv, { headers: { Authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
  assert.equal(badBearer.status, 401, `bogus bearer: ${JSON.stringify(badBearer)}`);
  // a bearer WS session works end to end
  const ws = await bearer.ws({ origin: false });
  assert.equal(ws.welcome.user.id, bearer.id);
  await ws.ping();
  await ws.close();
});

test('login: cookie attributes, bearer tokens need no CSRF', T, async () => {
  const r = await loginRaw(srv, { login: 'sato', token: false });
  assertStatus(r, 200, 'cookie login');
  const sc = sessionCookieFrom(r.headers);
  assert.ok(sc && sc.value.length >= 32, `session cookie: ${sc && sc.raw}`);
  assert.match(sc.raw, /;\s*HttpOnly/i);
  assert.match(sc.raw, /;\s*SameSite=Strict/i);
  assert.match(sc.raw, /;\s*Path=\//i);
  assert.equal(typeof r.json.csrf_token, 'string');
  assert.equal(r.json.token, undefined, 'no bearer token in cookie mode');
  assert.deepEqual(r.json.tenant, { code: '999001', name: 'さくら市' });
  assert.equal(r.json.user.login, 'sato');

  const b = await loginRaw(srv, { login: 'sato', token: true });
  assertStatus(b, 200, 'token login');
  assert.equal(typeof b.json.token, 'string');
  assert.ok(b.json.token.length >= 40, '256-bit token');
  assert.equal(sessionCookieFrom(b.headers), null, 'token login sets no session cookie');
  const headers = { Authorization: `Bearer ${b.json.token}` };
  const p = await rawFetch(srv, 'POST', `/api/rooms/${G}/messages`, { headers, body: { client_id: cid('bearer'), body: 'bot投稿' } });
  assertStatus(p, 201, 'bearer POST without CSRF token');
  assert.equal(p.json.message.sender, b.json.user.id);
  const pm = await rawFetch(srv, 'PATCH', '/api/me', { headers, body: { status: 'bot稼働中' } });
  assertStatus(pm, 200, 'bearer PATCH without CSRF token');
});

test('unauthenticated requests get 401 unauthenticated', T, async () => {
  for (const [m, p, body] of [['GET', '/api/me'], ['GET', '/api/rooms'], ['GET', '/api/users?q=a'], ['GET', '/api/departments'],
    ['POST', '/api/rooms', { name: 'x', members: [] }], ['GET', `/api/rooms/${G}/messages`], ['PATCH', '/api/me', { status: 'x' }]]) {
    assertError(await rawFetch(srv, m, p, { body }), 401, 'unauthenticated', `${m} ${p} without session`);
  }
  assertError(await rawFetch(srv, 'GET', '/api/me', { headers: { Cookie: 'tonari_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } }), 401, 'unauthenticated', 'bogus cookie');
  assertError(await rawFetch(srv, 'GET', '/api/me', { headers: { Authorization: 'Bearer nope' } }), 401, 'unauthenticated', 'bogus bearer');
});

test('wrong password, unknown login and unknown municipality give the same 401', T, async () => {
  const cases = [
    await loginRaw(srv, { login: 'tanaka', password: 'wrong-password' }),
    await loginRaw(srv, { login: 'no-such-user', password: 'sakura-demo' }),
    await loginRaw(srv, { tenant: '123456', login: 'tanaka', password: 'sakura-demo' }),
  ];
  const msgs = cases.map((r, i) => assertError(r, 401, 'unauthenticated', `case ${i}`).message);
  assert.equal(new Set(msgs).size, 1, `same message for every failure: ${JSON.stringify(msgs)}`);
  for (const r of cases) assert.equal(sessionCookieFrom(r.headers), null, 'failed login sets no session cookie');
});

test('logout invalidates the session and ends its WebSocket with 4001', T, async () => {
  const t1 = await login(srv, 'tanaka');
  const ws = await t1.ws();
  const r = await t1.post('/api/logout', {});
  assertStatus(r, 200, 'logout');
  assert.deepEqual(r.json, {});
  const sc = sessionCookieFrom(r.headers);
  assert.ok(sc, 'logout sends a Set-Cookie clearing tonari_session');
  assert.ok(sc.value === '' || /Max-Age=0/i.test(sc.raw) || /Expires=Thu, 01 Jan 1970/i.test(sc.raw), `cookie cleared: ${sc.raw}`);
  assertError(await t1.get('/api/me'), 401, 'unauthenticated', 'old cookie after logout');
  assertError(await t1.post(`/api/rooms/${G}/messages`, { client_id: cid(), body: 'x' }), 401, 'unauthenticated', 'post after logout');
  const up = await wsUpgradeResult(srv, { headers: { Cookie: t1.cookie }, origin: srv.origin });
  assert.equal(up.status, 401, 'WS upgrade with a logged-out cookie');
  let t;
  const closed = await Promise.race([ws.closed, new Promise((res) => { t = setTimeout(() => res(null), 5000); })]);
  clearTimeout(t);
  assert.ok(closed, 'the logged-out session\'s socket is closed');
  assert.equal(closed.code, 4001, `close code 4001 (session ended), got ${JSON.stringify(closed)}`);

  const b = await login(srv, 'tanaka', { token: true });
  assertStatus(await b.post('/api/logout', {}), 200, 'bearer logout');
  assertError(await b.get('/api/me'), 401, 'unauthenticated', 'token after logout');
  assertStatus(await U.tanaka.get('/api/me'), 200, 'other sessions of the same user are unaffected');
});

test('malformed WebSocket frames get an error frame and the socket stays open', T, async () => {
  const { tanaka } = U;
  const ws = await tanaka.ws();
  const expectErr = async (raw, codes, what) => {
    ws.send(raw);
    const f = await ws.next((x) => x.type === 'error', 2000, `error frame for ${what}`);
    assert.ok(f.error && codes.includes(f.error.code), `${what}: code ${JSON.stringify(f.error)} not in ${codes}`);
    assert.equal(typeof f.error.message, 'string');
    return f;
  };
  await expectErr('this is not json', ['invalid_json'], 'garbage');
  await expectErr('{"type": "send", ', ['invalid_json'], 'truncated');
  await expectErr('[1,2,3]', ['invalid_json', 'invalid_argument'], 'array');
  await expectErr('{"type":"frobnicate"}', ['invalid_argument'], 'unknown type');
  await expectErr('{"no_type":true}', ['invalid_argument'], 'missing type');
  await expectErr(JSON.stringify({ type: 'send', room: 'x', client_id: 'c-bad-1', body: 'x' }), ['invalid_argument', 'not_found'], 'room not an integer');
  await expectErr(JSON.stringify({ type: 'read', room: G }), ['invalid_argument'], 'read without seq');
  await expectErr(JSON.stringify({ type: 'send', room: G, client_id: 'c-bad-2' }), ['invalid_argument'], 'send without body');
  assert.equal(ws.closeInfo, null, 'still open');
  const pong = await ws.ping();
  assert.equal(pong.type, 'pong');
  const k = ws.sendMessage(G, 'エラーの後も送れる');
  const a = await ws.ack(k);
  assert.equal(a.type, 'ack', JSON.stringify(a));
  assert.deepEqual(ws.evErrors, []);
  await ws.close();
});

test('WebSocket frames: binary is refused, long frames arrive whole, over 64 KiB closes with 1009', T, async () => {
  const { tanaka } = U;
  const ws = await tanaka.ws();
  ws.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  const err = await ws.next((x) => x.type === 'error', 2000, 'error frame for a binary frame');
  assert.equal(err.error.code, 'invalid_argument');
  // A message of 9,000 characters (27 KB of UTF-8): the server reads a frame in pieces.
  const long = '長'.repeat(9000);
  const k = ws.sendMessage(G, long);
  const a = await ws.ack(k);
  assert.equal(a.type, 'ack', JSON.stringify(a).slice(0, 200));
  const created = await ws.next((f) => f.type === 'message.created' && f.message.client_id === k, 3000, 'the long message');
  assert.equal(created.message.body, long);
  // Over the frame limit: the connection is closed (1009 message too big), nothing stored.
  const tooBig = ws.sendMessage(G, 'x'.repeat(70 * 1024));
  const info = await ws.closed;
  assert.equal(info.code, 1009);
  const page = await tanaka.get(`/api/rooms/${G}/messages?limit=5`);
  assert.equal(page.status, 200);
  assert.ok(!page.json.messages.some((m) => m.client_id === tooBig), 'the oversized frame stored nothing');
});

test('/healthz and /metrics answer', T, async () => {
  const h = await rawFetch(srv, 'GET', '/healthz');
  assertStatus(h, 200, '/healthz');
  assert.deepEqual(h.json, { status: 'ok' });
  const m = await rawFetch(srv, 'GET', '/metrics');
  assertStatus(m, 200, '/metrics');
  assert.match(m.headers.get('content-type') || '', /text\/plain/);
  assert.match(m.text, /^# (TYPE|HELP) \S+/m, 'Prometheus comments');
  assert.match(m.text, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.eE+-]+( \d+)?$/m, 'at least one sample line');
  for (const word of [/request/i, /connection/i, /message/i, /commit|batch/i]) {
    assert.match(m.text, word, `metrics mention ${word}`);
  }
  // The SQLite store's group commits by duration (a cluster node's PostgreSQL store reports
  // its own figures): a Prometheus histogram, cumulative, ending at +Inf = count.
  if (CLUSTER_MODE) return;
  assert.match(m.text, /^# TYPE tonari_store_commit_seconds histogram$/m);
  const buckets = [...m.text.matchAll(/^tonari_store_commit_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm)];
  assert.ok(buckets.length >= 2, `commit histogram buckets: ${buckets.length}`);
  assert.equal(buckets.at(-1)[1], '+Inf', 'the last bucket is +Inf');
  const counts = buckets.map((b) => Number(b[2]));
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], 'buckets are cumulative');
  const count = Number(/^tonari_store_commit_seconds_count (\d+)$/m.exec(m.text)[1]);
  assert.equal(counts.at(-1), count, '+Inf bucket = count');
  assert.ok(count > 0, 'the demo seed committed something');
});

test('repeated wrong passwords → 429 rate_limited with Retry-After', { timeout: 40000 }, async () => {
  // a separate server so the throttle does not delay the other tests
  const s2 = await startServer({ demo: true });
  const statuses = [];
  let limited = null;
  for (let i = 1; i <= 12; i++) {
    const r = await loginRaw(s2, { login: 'ito', password: `wrong-${i}` });
    statuses.push(r.status);
    if (r.status === 429) { limited = r; break; }
    assertError(r, 401, 'unauthenticated', `attempt ${i}`);
  }
  assert.ok(limited, `no 429 after 12 wrong passwords: ${statuses}`);
  assert.equal(statuses.length, 6, `delayed after the 5th failure (docs/api.md): ${statuses}`);
  const err = assertError(limited, 429, 'rate_limited');
  const ra = limited.headers.get('retry-after');
  assert.match(ra || '', /^\d+$/, `Retry-After in seconds: ${ra}`);
  assert.equal(Number(ra), 1, `the first delay is 1 s: ${ra}`);
  assert.ok(err.retry_after_ms > 0 && err.retry_after_ms <= 1000, `retry_after_ms: ${err.retry_after_ms}`);
  await s2.stop();
});
