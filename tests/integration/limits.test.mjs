// Bounded by design: per-user message rate (REST and WebSocket), the room-size cap, batched
// member adds, paged member and reader lists, the per-user WebSocket cap, and the global
// and per-address connection caps. Each server gets small limits from a TOML file, so no
// test depends on timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { login, cid, sleep } from './lib/client.mjs';
import { fileSetup, demoServer, demoServerWithLimits, assertError } from './lib/util.mjs';

fileSetup({ watchdogMs: 120000 });

async function roomNamed(client, name) {
  const rooms = (await client.ok('GET', '/api/rooms')).rooms;
  const r = rooms.find((x) => x.name === name);
  assert.ok(r, `room ${name} not found`);
  return r;
}

test('a flooding user gets rate_limited with a retry hint; others still post', { timeout: 60000 }, async () => {
  // 5 at once, then one per 100 s: the flood outruns the refill whatever the timing.
  const srv = await demoServerWithLimits({ message_burst: 5, messages_per_second: 0.01 });
  const tanaka = await login(srv, 'tanaka');
  const sato = await login(srv, 'sato');
  const room = await roomNamed(tanaka, '防災係');
  const ws = await tanaka.ws();
  const ids = [];
  for (let i = 0; i < 12; i++) ids.push(ws.sendMessage(room.id, `連投 ${i}`));
  const answers = [];
  for (const id of ids) answers.push(await ws.ack(id));
  const acked = answers.filter((f) => f.type === 'ack');
  const refused = answers.filter((f) => f.type === 'error');
  assert.equal(acked.length, 5, JSON.stringify(answers));
  assert.equal(refused.length, 7);
  for (const f of refused) {
    assert.equal(f.error.code, 'rate_limited');
    assert.ok(f.error.retry_after_ms > 0, JSON.stringify(f));
    assert.ok(ids.includes(f.client_id));
  }
  // REST: 429 with Retry-After and the same hint; nothing stored.
  const r = await tanaka.post(`/api/rooms/${room.id}/messages`, { client_id: cid(), body: 'まだ？' });
  const err = assertError(r, 429, 'rate_limited');
  assert.ok(err.retry_after_ms > 0);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // Another user is not held back by the flood, and nobody saw `unavailable`.
  for (let i = 0; i < 5; i++) {
    const ok = await sato.post(`/api/rooms/${room.id}/messages`, { client_id: cid(), body: `佐藤 ${i}` });
    assert.equal(ok.status, 201, ok.text);
  }
  assert.equal(ws.seen((f) => f.type === 'error' && f.error.code === 'unavailable').length, 0);
  const history = (await sato.ok('GET', `/api/rooms/${room.id}/messages?limit=200`)).messages;
  assert.equal(history.filter((m) => m.body.startsWith('連投')).length, 5);
  // One log line for the user, not one per refusal.
  const lines = srv.logLines().filter((l) => l.event === 'limits.rate_limited' && l.user === tanaka.id);
  assert.ok(lines.length >= 1 && lines.length <= 2, JSON.stringify(lines));
  assert.equal(lines[0].level, 'warn');
  assert.ok(!JSON.stringify(lines).includes('連投'), 'no message body in the log');
});

test('a room at its cap refuses one more member, precisely', { timeout: 60000 }, async () => {
  const srv = await demoServerWithLimits({ max_room_members: 4 });
  const tanaka = await login(srv, 'tanaka');
  const users = (await tanaka.ok('GET', '/api/users?limit=50')).users.filter((u) => u.id !== tanaka.id);
  const created = await tanaka.ok('POST', '/api/rooms', { name: '上限テスト', members: [users[0].id, users[1].id] }, 201);
  const id = created.room.id;
  assertError(await tanaka.post(`/api/rooms/${id}/members`, { users: [users[2].id, users[3].id] }), 409, 'room_full');
  assert.equal((await tanaka.ok('GET', `/api/rooms/${id}`)).room.member_count, 3, 'nothing added');
  assert.deepEqual((await tanaka.ok('POST', `/api/rooms/${id}/members`, { users: [users[2].id] })).added, [users[2].id]);
  const full = assertError(await tanaka.post(`/api/rooms/${id}/members`, { users: [users[3].id] }), 409, 'room_full');
  assert.match(full.message, /at most 4/);
  // Creating a room over the cap is refused too.
  assertError(await tanaka.post('/api/rooms', { name: '大きすぎ', members: users.slice(0, 4).map((u) => u.id) }), 409, 'room_full');
});

test('large adds go in batches, each its own member.joined event', { timeout: 60000 }, async () => {
  const srv = await demoServerWithLimits({ members_per_batch: 2 });
  const tanaka = await login(srv, 'tanaka');
  const users = (await tanaka.ok('GET', '/api/users?limit=50')).users.filter((u) => u.id !== tanaka.id);
  const ws = await tanaka.ws();
  const created = await tanaka.ok('POST', '/api/rooms', { name: 'バッチ', members: users.slice(0, 5).map((u) => u.id) }, 201);
  const id = created.room.id;
  // The creation holds the creator and one member; then batches of two: 2 + 2.
  const joined = [];
  while (joined.reduce((n, f) => n + f.count, 0) < 6) {
    joined.push(await ws.next((f) => f.type === 'member.joined' && f.room === id, 5000));
  }
  assert.deepEqual(joined.map((f) => f.count), [2, 2, 2]);
  const more = await tanaka.ok('POST', `/api/rooms/${id}/members`, { users: users.slice(4, 9).map((u) => u.id) });
  assert.equal(more.added.length, 4, 'the one already in is skipped');
  const counts = [];
  while (counts.reduce((n, c) => n + c, 0) < 4) {
    counts.push((await ws.next((f) => f.type === 'member.joined' && f.room === id, 5000)).count);
  }
  assert.ok(counts.length >= 2 && counts.every((c) => c <= 2), JSON.stringify(counts));
  assert.equal((await tanaka.ok('GET', `/api/rooms/${id}`)).room.member_count, 10);
});

test('member and reader lists page in 五十音 order with counts', { timeout: 60000 }, async () => {
  const srv = await demoServer();
  const tanaka = await login(srv, 'tanaka');
  const room = await roomNamed(tanaka, '全職員');
  const whole = (await tanaka.ok('GET', `/api/rooms/${room.id}/members?limit=500`));
  assert.equal(whole.next, null);
  assert.equal(whole.members.length, room.member_count);
  const walked = [];
  let cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const q = cursor ? `?limit=7&cursor=${encodeURIComponent(cursor)}` : '?limit=7';
    const page = await tanaka.ok('GET', `/api/rooms/${room.id}/members${q}`);
    assert.ok(page.members.length <= 7);
    walked.push(...page.members.map((m) => m.user.id));
    cursor = page.next;
    if (!cursor) break;
  }
  assert.deepEqual(walked, whole.members.map((m) => m.user.id));
  // The room's detail carries the first page and where the next starts.
  const detail = await tanaka.ok('GET', `/api/rooms/${room.id}?limit=5`);
  assert.deepEqual(detail.members.map((m) => m.user.id), walked.slice(0, 5));
  assert.equal(typeof detail.members_next, 'string');
  assertError(await tanaka.get(`/api/rooms/${room.id}/members?limit=0`), 400, 'invalid_argument');
  assertError(await tanaka.get(`/api/rooms/${room.id}/members?limit=501`), 400, 'invalid_argument');
  assertError(await tanaka.get(`/api/rooms/${room.id}/members?cursor=zz`), 400, 'invalid_argument');

  // Readers: a fresh message, read by two others.
  // 全職員 is an announcement room: its owner posts.
  const yamada = await login(srv, 'yamada');
  const posted = await yamada.ok('POST', `/api/rooms/${room.id}/messages`, { client_id: cid(), body: '全員へ' }, 201);
  const seq = posted.message.seq;
  for (const l of ['sato', 'suzuki']) {
    const c = await login(srv, l);
    await c.ok('POST', `/api/rooms/${room.id}/read`, { seq });
  }
  const first = await tanaka.ok('GET', `/api/rooms/${room.id}/messages/${seq}/readers?limit=1`);
  assert.equal(first.read_count, 2);
  assert.equal(first.unread_count, room.member_count - 3);
  assert.equal(first.read.length, 1);
  assert.equal(first.unread.length, 1);
  const readers = [...first.read.map((u) => u.login)];
  const second = await tanaka.ok('GET', `/api/rooms/${room.id}/messages/${seq}/readers?list=read&limit=1&cursor=${encodeURIComponent(first.read_next)}`);
  assert.equal(second.unread, undefined);
  readers.push(...second.read.map((u) => u.login));
  assert.equal(second.read_next, null);
  assert.deepEqual(readers.sort(), ['sato', 'suzuki']);
  const unread = [];
  cursor = null;
  for (let pages = 0; pages < 100; pages++) {
    const q = `list=unread&limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await tanaka.ok('GET', `/api/rooms/${room.id}/messages/${seq}/readers?${q}`);
    unread.push(...page.unread.map((u) => u.id));
    cursor = page.unread_next;
    if (!cursor) break;
  }
  assert.equal(unread.length, first.unread_count);
  assert.ok(!unread.includes(yamada.id), 'the sender is in neither list');
  assertError(await tanaka.get(`/api/rooms/${room.id}/messages/${seq}/readers?list=everyone`), 400, 'invalid_argument');
});

test('the 3rd WebSocket of a user is refused with too_many_connections', { timeout: 60000 }, async () => {
  const srv = await demoServerWithLimits({ ws_per_user: 2 });
  const tanaka = await login(srv, 'tanaka');
  const a = await tanaka.ws();
  await tanaka.ws();
  await assert.rejects(tanaka.ws(), (e) => {
    assert.equal(e.status, 429);
    assert.equal(JSON.parse(e.body).error.code, 'too_many_connections');
    return true;
  });
  // Another user is not affected.
  await (await login(srv, 'sato')).ws();
  // Closing one gives its place back (once the server has seen the close).
  a.ws.close();
  await a.closed;
  let third = null;
  for (let i = 0; i < 50 && !third; i++) {
    try { third = await tanaka.ws(); } catch (e) { if (e.status !== 429) throw e; await sleep(100); }
  }
  assert.ok(third, 'a slot came back after a close');
  const lines = srv.logLines().filter((l) => l.event === 'limits.ws_per_user');
  assert.equal(lines.length, 1, JSON.stringify(lines));
});

// Opens a TCP connection from `localAddress` and resolves once it is connected.
function connectFrom(port, localAddress) {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

// Sends a GET on a fresh connection from `localAddress`; resolves {status, headers, body}.
function getFrom(port, localAddress, path = '/healthz') {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port, localAddress });
    let data = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer: ${data}`)); }, 10000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
    s.on('data', (d) => { data += d; });
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('close', () => {
      clearTimeout(timer);
      const [head, body] = data.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d+)/.exec(head)?.[1]);
      const headers = Object.fromEntries(head.split('\r\n').slice(1).map((l) => {
        const i = l.indexOf(':');
        return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
      }));
      resolve({ status, headers, body, json: body ? JSON.parse(body) : undefined });
    });
  });
}

test('connection caps: per address, then in all, answered 503 with Retry-After', { timeout: 60000 }, async () => {
  const srv = await demoServerWithLimits({ max_connections: 5, max_connections_per_address: 3 });
  const held = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await connectFrom(srv.port, '127.0.0.1'));
    const over = await getFrom(srv.port, '127.0.0.1');
    assert.equal(over.status, 503);
    assert.equal(over.json.error.code, 'unavailable');
    assert.match(over.json.error.message, /this address/);
    assert.ok(Number(over.headers['retry-after']) >= 1);
    // Another address still gets in: two more held from it fill the server (a request
    // answered and closed here first could still hold its place when they come, and a
    // refusal of one of them would take the 10 s log slot of the total cap).
    for (let i = 0; i < 2; i++) held.push(await connectFrom(srv.port, '127.0.0.2'));
    const total = await getFrom(srv.port, '127.0.0.3');
    assert.equal(total.status, 503);
    assert.match(total.json.error.message, /too many open connections/);
    // A second refusal from the same address is not logged again.
    assert.equal((await getFrom(srv.port, '127.0.0.1')).status, 503);
    const lines = srv.logLines().filter((l) => l.event === 'limits.connections_refused');
    assert.deepEqual(lines.map((l) => l.remote).sort(), ['127.0.0.1', '127.0.0.3']);
    assert.ok(lines.every((l) => l.level === 'warn'));
  } finally {
    for (const s of held) s.destroy();
  }
  // Closed connections give their places back.
  let ok = null;
  for (let i = 0; i < 50 && ok !== 200; i++) {
    ok = (await getFrom(srv.port, '127.0.0.3')).status;
    if (ok !== 200) await sleep(100);
  }
  assert.equal(ok, 200);
});
