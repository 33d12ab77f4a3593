// Read receipts (既読): POST /read and the WS read frame, reads / read.self frames,
// read_count in history, GET …/readers (docs/api.md: Messages, WebSocket).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sleep, login, loginRaw } from './lib/client.mjs';
import { startServer, runTonari, DEMO_TENANT, DEMO_PASSWORD } from './lib/server.mjs';
import {
  fileSetup, demoServer, loginAll, assertError, assertStatus, assertGojuon, createGroup, postMessage, roomSummary,
} from './lib/util.mjs';

fileSetup();

let srv;
let U;
const T = { timeout: 30000 };
const ja = new Intl.Collator('ja');

before(async () => {
  srv = await demoServer();
  U = await loginAll(srv, ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe']);
});

function byReading(clients) {
  return [...clients].sort((a, b) => ja.compare(a.user.reading, b.user.reading)).map((c) => c.user.id);
}

function countFor(frame, seq) {
  const p = frame.counts.find(([s]) => s === seq);
  return p ? p[1] : undefined;
}

async function historyMsg(client, room, seq) {
  const r = await client.get(`/api/rooms/${room}/messages?after=${seq - 1}&limit=1`);
  assertStatus(r, 200);
  assert.equal(r.json.messages[0].seq, seq);
  return r.json.messages[0];
}

test('read receipts: reads frame to the sender, read_count in history, readers in 五十音 order', T, async () => {
  const { yamada, tanaka, sato, suzuki, takahashi, ito, watanabe } = U;
  const others = [yamada, tanaka, suzuki, takahashi, ito, watanabe];
  const G = (await createGroup(sato, '既読テスト', others.map((c) => c.id))).id;
  const wsS = await sato.ws();
  const wsZ = await suzuki.ws();
  const m = await postMessage(sato, G, '明日の訓練は9時集合です');
  assert.equal(m.seq, 2, 'after the system message room_created');
  const S = m.seq;
  await wsZ.next((f) => f.type === 'message.created' && f.message.id === m.id, 2000, 'created at suzuki');

  const fresh = await historyMsg(sato, G, S);
  assert.equal(fresh.read_count, 0, 'the sender does not count as a reader');

  const rr = await tanaka.post(`/api/rooms/${G}/read`, { seq: S });
  assertStatus(rr, 200, 'REST read');
  assert.deepEqual(rr.json, { read_seq: S });
  wsZ.send({ type: 'read', room: G, seq: S });

  const reads = await wsS.next((f) => f.type === 'reads' && f.room === G && countFor(f, S) === 2, 3500, 'reads frame with count 2');
  for (const p of reads.counts) {
    assert.ok(Array.isArray(p) && p.length === 2 && Number.isInteger(p[0]) && Number.isInteger(p[1]), `counts entries are [seq, count]: ${JSON.stringify(reads.counts)}`);
  }
  assert.ok(reads.counts.length <= 100);
  assert.equal(reads.ev, undefined, 'reads frames carry no ev');
  // Counts go to the message's sender alone (as LINE shows 既読): suzuki, a reader, gets none.
  await wsZ.ping();
  assert.deepEqual(wsZ.seen((f) => f.type === 'reads'), [], 'no reads frames to members who did not send');
  // all reads frames seen so far are consistent (count never above 2)
  for (const f of wsS.seen((x) => x.type === 'reads' && x.room === G)) {
    const c = countFor(f, S);
    assert.ok(c === undefined || c === 1 || c === 2, `unexpected count ${c}`);
  }

  assert.equal((await historyMsg(sato, G, S)).read_count, 2, 'history read_count');
  assert.equal((await historyMsg(ito, G, S)).read_count, 2, 'read_count is the same for every member');

  const rd = await sato.get(`/api/rooms/${G}/messages/${S}/readers`);
  assertStatus(rd, 200, 'readers');
  assertGojuon(rd.json.read, 'read list');
  assertGojuon(rd.json.unread, 'unread list');
  assert.deepEqual(rd.json.read.map((u) => u.id), byReading([tanaka, suzuki]), 'read: tanaka and suzuki in 五十音 order');
  assert.deepEqual(rd.json.unread.map((u) => u.id), byReading([yamada, takahashi, ito, watanabe]), 'unread: the rest in 五十音 order');
  assert.ok(![...rd.json.read, ...rd.json.unread].some((u) => u.id === sato.id), 'the sender is in neither list');
  const rd2 = await ito.get(`/api/rooms/${G}/messages/${S}/readers`);
  assertStatus(rd2, 200, 'any member may list readers');
  assert.deepEqual(rd2.json, rd.json);

  assertError(await sato.get(`/api/rooms/${G}/messages/999/readers`), 404, 'not_found', 'readers of an unknown seq');

  const ts = await roomSummary(tanaka, G);
  assert.equal(ts.read_seq, S);
  assert.equal(ts.unread, 0);
  const zs = await roomSummary(suzuki, G);
  assert.equal(zs.read_seq, S, 'WS read frame moved the read position');
  await wsS.close();
  await wsZ.close();
});

test('read_count per message: sender excluded, a later read covers earlier messages', T, async () => {
  const { tanaka, sato, suzuki, ito } = U;
  const G = (await createGroup(sato, '既読カウント', [tanaka.id, suzuki.id, ito.id])).id;
  const a = await postMessage(sato, G, 'A');
  const b = await postMessage(sato, G, 'B');
  const c = await postMessage(tanaka, G, 'C(田中)');
  assertStatus(await tanaka.post(`/api/rooms/${G}/read`, { seq: a.seq }), 200); // no-op: tanaka posted c
  assertStatus(await suzuki.post(`/api/rooms/${G}/read`, { seq: b.seq }), 200);
  const texts = (r) => r.json.messages.filter((m) => m.kind !== 'system');
  const h = texts(await sato.get(`/api/rooms/${G}/messages`));
  const rc = Object.fromEntries(h.map((m) => [m.body, m.read_count]));
  // (seq 1 is the system message room_created: A is 2, B 3, C 4.)
  // a: tanaka (posted c ⇒ read to 4) + suzuki (3) = 2; b: same = 2;
  // c (sender tanaka): sato (posted b, read_seq 3 < 4) no, suzuki no, ito no = 0
  assert.deepEqual(rc, { A: 2, B: 2, 'C(田中)': 0 });
  assertStatus(await ito.post(`/api/rooms/${G}/read`, { seq: c.seq }), 200);
  const h2 = texts(await sato.get(`/api/rooms/${G}/messages`));
  assert.deepEqual(h2.map((m) => m.read_count), [3, 3, 1]);
  const rd = (await sato.get(`/api/rooms/${G}/messages/${c.seq}/readers`)).json;
  assert.deepEqual(rd.read.map((u) => u.id), [ito.id]);
  assert.deepEqual(rd.unread.map((u) => u.id), byReading([sato, suzuki]));
});

test('read positions only move forward, are clamped, and read.self reaches the other device', T, async () => {
  const { tanaka, sato } = U;
  const G = (await createGroup(sato, '既読位置', [tanaka.id])).id;
  for (let i = 1; i <= 4; i++) await postMessage(sato, G, `位置${i}`);  // seqs 2-5 (1: room_created)
  const ws1 = await tanaka.ws({ label: 'tanaka-pc' });
  const ws2 = await tanaka.ws({ label: 'tanaka-phone' });

  ws1.send({ type: 'read', room: G, seq: 4 });
  const self = await ws2.next((f) => f.type === 'read.self' && f.room === G, 2000, 'read.self on the other device');
  assert.equal(self.read_seq, 4);
  await ws1.ping();
  assert.deepEqual(ws1.seen((f) => f.type === 'read.self'), [], 'the device that sent the read is not told it back');

  const back = await tanaka.post(`/api/rooms/${G}/read`, { seq: 3 });
  assertStatus(back, 200, 'backwards read');
  assert.deepEqual(back.json, { read_seq: 4 }, 'read position does not move backwards');
  let s = await roomSummary(tanaka, G);
  assert.equal(s.read_seq, 4);
  assert.equal(s.unread, 1);

  ws1.send({ type: 'read', room: G, seq: 2 });
  await ws1.ping();
  s = await roomSummary(tanaka, G);
  assert.equal(s.read_seq, 4, 'a backwards WS read is ignored');

  const clamp = await tanaka.post(`/api/rooms/${G}/read`, { seq: 999 });
  assertStatus(clamp, 200, 'read beyond the end');
  assert.deepEqual(clamp.json, { read_seq: 5 }, 'clamped to the last message');
  const self2 = await ws2.next((f) => f.type === 'read.self' && f.room === G && f.read_seq === 5, 2000, 'read.self after REST read');
  assert.equal(self2.read_seq, 5);
  await ws1.next((f) => f.type === 'read.self' && f.room === G && f.read_seq === 5, 2000, 'read.self on the device that did not read');
  s = await roomSummary(tanaka, G);
  assert.equal(s.read_seq, 5);
  assert.equal(s.unread, 0);
  const det = (await tanaka.get(`/api/rooms/${G}`)).json;
  assert.equal(det.members.find((m) => m.user.id === tanaka.id).read_seq, 5);

  assertError(await tanaka.post(`/api/rooms/${G}/read`, { seq: 'x' }), 400, 'invalid_argument', 'non-integer seq');
  assertError(await tanaka.post(`/api/rooms/${G}/read`, {}), 400, 'invalid_argument', 'missing seq');
  assert.equal((await historyMsg(sato, G, 5)).read_count, 1);
  await ws1.close();
  await ws2.close();
});

test('reads frames are coalesced: at most one per room per second, final count exact', T, async () => {
  const { yamada, tanaka, sato, suzuki, takahashi, ito, watanabe } = U;
  const readers = [yamada, tanaka, suzuki, takahashi, ito, watanabe];
  const G = (await createGroup(sato, '既読まとめ', readers.map((c) => c.id))).id;
  const wsS = await sato.ws();
  const m = await postMessage(sato, G, 'まとめて既読');
  const t0 = Date.now();
  for (const r of readers) {
    assertStatus(await r.post(`/api/rooms/${G}/read`, { seq: m.seq }), 200);
    await sleep(60);
  }
  await wsS.next((f) => f.type === 'reads' && f.room === G && countFor(f, m.seq) === readers.length, 4000, `reads count ${readers.length}`);
  await sleep(1300); // anything still queued by coalescing arrives now
  const frames = wsS.seen((f) => f.type === 'reads' && f.room === G);
  const elapsed = Date.now() - t0;
  assert.ok(frames.length >= 1);
  for (let i = 1; i < frames.length; i++) {
    const gap = frames[i].__t - frames[i - 1].__t;
    assert.ok(gap >= 500, `reads frames ${i - 1}→${i} only ${gap} ms apart (coalescing: at most one per second); ${frames.length} frames in ${elapsed} ms`);
  }
  const counts = frames.map((f) => countFor(f, m.seq)).filter((c) => c !== undefined);
  for (let i = 1; i < counts.length; i++) assert.ok(counts[i] >= counts[i - 1], `counts must not decrease: ${counts}`);
  assert.equal(counts[counts.length - 1], readers.length);
  assert.equal((await historyMsg(sato, G, m.seq)).read_count, readers.length);
  await wsS.close();
});

test('read receipts and revocations do not wait behind a login rush', { timeout: 60000 }, async () => {
  // Every login's argon2id verify runs on the server's two-thread blocking pool. One account
  // here has a password hash about twenty times as costly as production's, so eight
  // logins to it at once queue seconds of hashing there. The 既読 flush and the revocation
  // pass have a thread of their own: their effects arrive while the rush is still being
  // hashed (an order of events, not a time limit: when they shared the pool the reads
  // frame came after six of the eight logins).
  const s = await startServer({ demo: true });
  const cfg = path.join(s.dataDir, 'slow-hash.toml');
  fs.writeFileSync(cfg, '[security]\nargon2_opslimit = 100\n');
  const made = await runTonari(['admin', '--config', cfg, 'create-user', '--data', s.dataDir, '--tenant', DEMO_TENANT,
    '--login', 'rush', '--name', '朝の職員', '--reading', 'あさのしょくいん', '--password', DEMO_PASSWORD]);
  assert.equal(made.code, 0, made.stderr);
  const sato = await login(s, 'sato');
  const tanaka = await login(s, 'tanaka');
  const leaver = await login(s, 'ito', { token: true });
  const G = (await createGroup(sato, 'ラッシュ中の既読', [tanaka.id])).id;
  const wsS = await sato.ws();
  const wsL = await leaver.ws();
  const m = await postMessage(sato, G, '朝礼は8時40分からです');

  let loggedIn = 0;
  const rush = Array.from({ length: 8 }, () => loginRaw(s, { login: 'rush' }).then((r) => {
    assert.equal(r.status, 200, r.text);
    loggedIn += 1;
  }));
  await sleep(100);  // the rush's requests are in: two being hashed, the rest queued
  assertStatus(await tanaka.post(`/api/rooms/${G}/read`, { seq: m.seq }), 200);
  const disabled = runTonari(['admin', 'disable-user', '--data', s.dataDir, '--tenant', DEMO_TENANT, '--login', 'ito']);

  await wsS.next((f) => f.type === 'reads' && f.room === G && f.counts.some(([q, n]) => q === m.seq && n === 1), 30000, 'reads during the rush');
  const readsAfter = loggedIn;
  assert.equal((await disabled).code, 0);
  assert.equal((await wsL.closed).code, 4001);
  const closedAfter = loggedIn;
  await Promise.all(rush);
  assert.ok(readsAfter < 4, `the reads frame came after ${readsAfter} of 8 logins`);
  assert.ok(closedAfter < 6, `the revoked connection closed after ${closedAfter} of 8 logins`);
  await wsS.close();
});
