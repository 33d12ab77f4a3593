// Issue 23, 安否確認: a 危機管理 user starts a safety confirmation for two departments; only
// its targets see it (REST, WebSocket, the hello reply); answers reach the dashboard live
// and after a resume; 代理回答 by a 所属長 for their own department only; a changed answer
// keeps its history; a reminder reaches only those who have not answered; close; the CSV in
// both encodings and the print page; the signed webhook (no signature, a bad one, a replay);
// training kept apart; and every path refused to those who may not use it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import {
  startServer, cleanupAll, installWatchdog, runTonari, createTenant, createUser, makeDataDir, DEMO_TENANT,
} from './lib/server.mjs';
import { login, rawFetch, sleep } from './lib/client.mjs';
import { assertError, eventually } from './lib/util.mjs';

installWatchdog(150000);
after(cleanupAll);

let srv;
const c = {};  // logged-in clients by login
let depts;     // path → department
let other;     // a user of another municipality

const OTHER_TENANT = '999023';

async function admin(args) {
  const r = await runTonari(['admin', ...args, '--data', srv.dataDir]);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
}

// The bytes of a GET (a Shift_JIS file is not UTF-8 text).
async function fetchBytes(client, path) {
  const res = await fetch(srv.base + path, { headers: client.authHeaders() });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  const b = Buffer.from(await res.arrayBuffer());
  b.contentType = res.headers.get('content-type');
  return b;
}

function put(client, path, body) { return client.req('PUT', path, { body }); }
let seq = 0;
function answer(client, id, ans, extra = {}) {
  seq += 1;
  return put(client, `/api/safety/${id}/answer`, { client_id: `t-${seq}`, answer: ans, ...extra });
}

before(async () => {
  srv = await startServer();
  // 危機管理: takahashi (危機管理課長) by the CLI; 所属長: kato (市民生活部長) by an administrator.
  await admin(['set-safety-roles', '--tenant', DEMO_TENANT, '--login', 'takahashi', '--crisis']);
  for (const l of ['yamada', 'takahashi', 'kato', 'sato', 'ito', 'tanaka', 'suzuki', 'watanabe', 'goto', 'kobayashi']) {
    c[l] = await login(srv, l);
  }
  const r = await put(c.yamada, `/api/admin/users/${c.kato.id}/safety-roles`, { crisis: false, dept_head: true });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.user.dept_head, true);
  // Only an administrator gives the roles.
  assertError(await put(c.takahashi, `/api/admin/users/${c.sato.id}/safety-roles`, { crisis: true, dept_head: false }),
    403, 'permission_denied');
  c.kato = await login(srv, 'kato');
  c.takahashi = await login(srv, 'takahashi');
  const { departments } = await c.yamada.ok('GET', '/api/departments');
  depts = Object.fromEntries(departments.map((d) => [d.path, d]));

  const dir = srv.dataDir;
  await createTenant(dir, { code: OTHER_TENANT, name: 'となり町' });
  await createUser(dir, { tenant: OTHER_TENANT, login: 'kiki', name: '危機 一', reading: 'きき はじめ',
    password: 'tonari-town-1', admin: true });
  other = await login(srv, 'kiki', { tenant: OTHER_TENANT, password: 'tonari-town-1' });
});

test('templates, start for two departments, only the targets see it', { timeout: 60000 }, async () => {
  const { templates } = await c.sato.ok('GET', '/api/safety/templates');
  assert.deepEqual(templates.map((t) => t.key), ['earthquake', 'flood', 'drill']);
  assert.equal(templates[2].training, true);
  assert.deepEqual(templates[0].questions[0].options, ['無事', '軽傷', '重傷']);

  const satoWs = await c.sato.ws();
  const watanabeWs = await c.watanabe.ws();
  const takahashiWs = await c.takahashi.ws();

  // Staff without the role may not start one.
  assertError(await c.sato.post('/api/safety', { template: 'earthquake' }), 403, 'permission_denied');
  assertError(await c.takahashi.post('/api/safety', { template: 'tsunami' }), 400, 'invalid_argument');
  assertError(await c.takahashi.post('/api/safety', { template: 'earthquake', scope: { depts: [] } }), 400, 'invalid_argument');

  const joho = depts['総務部/情報政策課'].id;
  const kiki = depts['市民生活部/危機管理課'].id;
  const r = await c.takahashi.post('/api/safety', { template: 'earthquake', scope: { depts: [joho, kiki] } });
  assert.equal(r.status, 201, r.text);
  const s = r.json.safety;
  assert.equal(s.title, '地震（震度5弱以上）安否確認');
  assert.equal(s.training, false);
  assert.equal(s.open, true);
  assert.deepEqual(s.scope.depts.sort(), [joho, kiki].sort());
  // 情報政策課 (4) and 危機管理課 (6; 西村 is disabled): 10 targets.
  assert.equal(s.targets, 10);

  const started = await satoWs.next((f) => f.type === 'safety.started', 3000, 'safety.started');
  assert.equal(started.safety.id, s.id);
  assert.equal(started.safety.questions.length, 4);
  await sleep(300);
  assert.equal(watanabeWs.seen((f) => f.type === 'safety.started').length, 0, 'a non-target got the banner');

  // REST: the target sees it with no answer; a colleague outside it does not.
  const mine = await c.sato.ok('GET', '/api/safety');
  assert.equal(mine.safety.length, 1);
  assert.equal(mine.safety[0].answer, null);
  assert.equal(mine.managed, undefined, 'staff see no managed list');
  assert.deepEqual((await c.watanabe.ok('GET', '/api/safety')).safety, []);
  assertError(await c.watanabe.get(`/api/safety/${s.id}`), 404, 'not_found');
  assertError(await other.get(`/api/safety/${s.id}`), 404, 'not_found');
  const view = await c.sato.ok('GET', `/api/safety/${s.id}`);
  assert.equal(view.target, true);
  assert.equal(view.tally, undefined, 'a target who manages nothing sees no tally');
  const managed = await c.takahashi.ok('GET', '/api/safety');
  assert.ok(managed.managed.some((m) => m.id === s.id));

  // Answers: a bad one is refused precisely and changes nothing.
  assertError(await answer(c.sato, s.id, { status: 3, work: 0 }), 400, 'invalid_argument');
  assertError(await answer(c.sato, s.id, { status: 0 }), 400, 'invalid_argument');
  assertError(await answer(c.watanabe, s.id, { status: 0, work: 0 }), 404, 'not_found');
  // The same client_id twice: one answer.
  const a1 = await put(c.sato, `/api/safety/${s.id}/answer`,
    { client_id: 'sato-1', answer: { status: 0, work: 0, location: { text: '本庁舎' } } });
  assert.equal(a1.status, 200, a1.text);
  assert.equal(a1.json.created, true);
  const again = await put(c.sato, `/api/safety/${s.id}/answer`,
    { client_id: 'sato-1', answer: { status: 0, work: 0, location: { text: '本庁舎' } } });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.json.created, false);
  assert.equal(again.json.answer.at, a1.json.answer.at);

  // The dashboard gets it live (coalesced), the 危機管理 user's tally counts it.
  const upd = await takahashiWs.next((f) => f.type === 'safety.updated' && f.safety.id === s.id &&
    f.tally.total.answered === 1, 4000, 'safety.updated');
  assert.equal(upd.tally.total.targets, 10);
  assert.deepEqual(upd.tally.total.counts.find((x) => x.question === 0 && x.option === 0).count, 1);
  await sleep(300);
  assert.equal(watanabeWs.seen((f) => f.type === 'safety.updated').length, 0);
  assert.equal(satoWs.seen((f) => f.type === 'safety.updated').length, 0, 'staff get no tally');
  assert.ok(satoWs.seen((f) => f.type === 'safety.answered').length >= 1);

  // GET with the tally: 危機管理 sees all; the 所属長 of 市民生活部 their subtree only.
  const full = await c.takahashi.ok('GET', `/api/safety/${s.id}`);
  assert.equal(full.tally.total.targets, 10);
  assert.equal(full.can.close, true);
  // Rows summed up the org tree: 部 → 課 → 係.
  const row = (tally, path) => tally.depts.find((d) => d.path === path);
  assert.equal(row(full.tally, '総務部').targets, 4);
  assert.equal(row(full.tally, '市民生活部').targets, 6);
  assert.equal(row(full.tally, '市民生活部/危機管理課/防災係').targets, 4);
  assert.equal(row(full.tally, '市民生活部').answered, 1);
  const part = await c.kato.ok('GET', `/api/safety/${s.id}`);
  assert.equal(part.target, false);
  assert.equal(part.tally.total.targets, 6);
  assert.equal(part.can.close, false);
  assert.ok(part.tally.depts.every((d) => d.path.startsWith('市民生活部')));

  // Resume: a new connection's hello carries the open check with my answer.
  const again2 = await c.sato.ws();
  assert.equal(again2.welcome.safety.length, 1);
  assert.equal(again2.welcome.safety[0].answer.location.text, '本庁舎');
  const ito = await c.ito.ws();
  assert.equal(ito.welcome.safety[0].id, s.id);
  assert.equal(ito.welcome.safety[0].answer, null);
  const outsider = await c.watanabe.ws();
  assert.deepEqual(outsider.welcome.safety, []);

  // 代理回答: the 所属長 for 田中 (防災係, in 市民生活部); not for 小林 (総務部).
  assertError(await answer(c.kato, s.id, { status: 0, work: 0 }, { for_user: c.kobayashi.id }), 403, 'permission_denied');
  assertError(await answer(c.sato, s.id, { status: 0, work: 0 }, { for_user: c.tanaka.id }), 403, 'permission_denied');
  const proxy = await answer(c.kato, s.id, { status: 1, work: 2, comment: '電話で連絡あり' }, { for_user: c.tanaka.id });
  assert.equal(proxy.status, 200, proxy.text);
  assert.equal(proxy.json.answer.proxy, true);
  assert.equal(proxy.json.answer.by, c.kato.id);
  const tanakaView = await c.tanaka.ok('GET', `/api/safety/${s.id}`);
  assert.equal(tanakaView.safety.proxy, true);
  assert.equal(tanakaView.safety.answer.work, 2);
  // 危機管理 answers for anyone.
  assert.equal((await answer(c.takahashi, s.id, { status: 0, work: 1 }, { for_user: c.kobayashi.id })).status, 200);

  // A changed answer: the latest counts, the history keeps both.
  assert.equal((await answer(c.sato, s.id, { status: 1, work: 2 })).status, 200);
  const hist = await c.takahashi.ok('GET', `/api/safety/${s.id}/history?user=${c.sato.id}`);
  assert.equal(hist.answers.length, 2);
  assert.equal(hist.answers[0].answer.status, 0);
  assert.equal(hist.answers[1].answer.status, 1);
  assertError(await c.ito.get(`/api/safety/${s.id}/history?user=${c.sato.id}`), 403, 'permission_denied');
  await eventually(async () => {
    const t = (await c.takahashi.ok('GET', `/api/safety/${s.id}`)).tally.total;
    return t.answered === 3 && t.counts.find((x) => x.question === 0 && x.option === 1)?.count === 2;
  }, { desc: 'the tally counts the latest answers' });

  // Target lists: 五十音, filtered by state, dept and choice; a 所属長 within their subtree.
  const un = await c.takahashi.ok('GET', `/api/safety/${s.id}/targets?state=unanswered`);
  const readings = un.targets.map((t) => t.user.reading);
  assert.deepEqual(readings, [...readings].sort());
  assert.equal(un.targets.length, 7);
  assert.ok(!un.targets.some((t) => t.user.id === c.sato.id));
  const injured = await c.takahashi.ok('GET', `/api/safety/${s.id}/targets?q=status:1`);
  assert.deepEqual(injured.targets.map((t) => t.user.id).sort(), [c.sato.id, c.tanaka.id].sort());
  assertError(await c.takahashi.get(`/api/safety/${s.id}/targets?q=pet:1`), 400, 'invalid_argument');
  const katoList = await c.kato.ok('GET', `/api/safety/${s.id}/targets`);
  assert.equal(katoList.targets.length, 6);
  assertError(await c.kato.get(`/api/safety/${s.id}/targets?dept=${joho}`), 403, 'permission_denied');
  assertError(await c.sato.get(`/api/safety/${s.id}/targets`), 403, 'permission_denied');
  assertError(await c.goto.get(`/api/safety/${s.id}/targets`), 404, 'not_found');
  assertError(await other.get(`/api/safety/${s.id}/targets`), 404, 'not_found');

  // A reminder reaches the non-answerers only.
  const suzukiWs = await c.suzuki.ws();
  assertError(await c.sato.post(`/api/safety/${s.id}/remind`, {}), 403, 'permission_denied');
  assertError(await c.kato.post(`/api/safety/${s.id}/remind`, { dept: joho }), 403, 'permission_denied');
  const rem = await c.takahashi.post(`/api/safety/${s.id}/remind`, {});
  assert.equal(rem.status, 200, rem.text);
  assert.equal(rem.json.count, 7);
  await suzukiWs.next((f) => f.type === 'safety.reminded' && f.safety.id === s.id, 3000, 'safety.reminded');
  await sleep(300);
  assert.equal(again2.seen((f) => f.type === 'safety.reminded').length, 0, 'an answerer was reminded');
  assertError(await c.takahashi.post(`/api/safety/${s.id}/remind`, {}), 429, 'rate_limited');

  // CSV: UTF-8 with BOM, and Shift_JIS; staff may not export.
  const utf8Bytes = await fetchBytes(c.takahashi, `/api/safety/${s.id}/export.csv`);
  assert.deepEqual([...utf8Bytes.subarray(0, 3)], [0xEF, 0xBB, 0xBF], 'a BOM');
  const utf8 = utf8Bytes.subarray(3).toString('utf8');
  assert.match(utf8, /所属,氏名,よみ,本人の状況,出勤,現在地,コメント,回答日時,代理回答/);
  assert.match(utf8, /佐藤 花子,さとう はなこ,軽傷,遅れて可能/);
  assert.match(utf8, /田中 太郎,たなか たろう,軽傷,遅れて可能,,電話で連絡あり,[0-9/: ]+,代理/);
  const sj = await fetchBytes(c.takahashi, `/api/safety/${s.id}/export.csv?encoding=shift_jis`);
  assert.match(sj.contentType, /Shift_JIS/);
  let decoded;
  try {
    const iconv = createRequire(import.meta.url)('iconv-lite');
    decoded = iconv.decode(sj, 'Shift_JIS');
  } catch {
    decoded = new TextDecoder('shift_jis').decode(sj);
  }
  assert.match(decoded, /佐藤 花子,さとう はなこ,軽傷/);
  assert.notEqual(sj[0], 0xEF, 'no BOM in Shift_JIS');
  assertError(await c.sato.get(`/api/safety/${s.id}/export.csv`), 403, 'permission_denied');
  const kcsv = await c.kato.get(`/api/safety/${s.id}/export.csv`);
  assert.ok(!kcsv.text.includes('小林'), 'a 所属長 exports their subtree only');

  // The print page: escaped HTML with the non-answerers.
  const page = await c.takahashi.get(`/api/safety/${s.id}/print`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.match(page.text, /<h2>未回答者<\/h2>/);
  assert.match(page.text, /伊藤 美咲/);

  // Close: only 危機管理 / administrators; the targets are told; no answer after it.
  assertError(await c.kato.post(`/api/safety/${s.id}/close`, {}), 403, 'permission_denied');
  assertError(await c.goto.post(`/api/safety/${s.id}/close`, {}), 404, 'not_found');
  assertError(await other.post(`/api/safety/${s.id}/close`, {}), 404, 'not_found');
  const closed = await c.takahashi.post(`/api/safety/${s.id}/close`, {});
  assert.equal(closed.status, 200, closed.text);
  assert.equal(closed.json.safety.open, false);
  await ito.next((f) => f.type === 'safety.closed' && f.safety.id === s.id, 3000, 'safety.closed');
  const late = await answer(c.ito, s.id, { status: 0, work: 0 });
  assertError(late, 409, 'conflict');
  assert.equal(late.json.error.reason, 'closed');
  assertError(await c.takahashi.post(`/api/safety/${s.id}/close`, {}), 409, 'conflict');
  assert.deepEqual((await c.ito.ok('GET', '/api/safety')).safety, [], 'a closed check leaves the banner');
});

test('training: labelled everywhere and kept apart', { timeout: 30000 }, async () => {
  const itoWs = await c.ito.ws();
  const r = await c.yamada.post('/api/safety', { template: 'drill', scope: { depts: [depts['市民生活部/危機管理課/防災係'].id] } });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.safety.training, true);
  assert.match(r.json.safety.title, /^【訓練】/);
  const f = await itoWs.next((x) => x.type === 'safety.started' && x.safety.id === r.json.safety.id, 3000, 'drill');
  assert.equal(f.safety.training, true);
  // A check from scratch marked as training gets the label too.
  const t2 = await c.yamada.post('/api/safety', { title: '参集訓練', training: true, scope: 'all' });
  assert.equal(t2.status, 201, t2.text);
  assert.equal(t2.json.safety.title, '参集訓練');
  assert.equal(t2.json.safety.training, true);
  for (const id of [r.json.safety.id, t2.json.safety.id]) {
    assert.equal((await c.yamada.post(`/api/safety/${id}/close`, {})).status, 200);
  }
});

test('webhook: nothing starts without a valid signature; a replay returns the same check', { timeout: 60000 }, async () => {
  const secret = 'a'.repeat(16) + 'quake-alert-secret-0123456789';
  const file = join(makeDataDir('tonari-hook-'), 'secret');
  writeFileSync(file, `${secret}\n`);
  await admin(['set-safety-webhook', '--tenant', DEMO_TENANT, '--secret-file', file]);
  const path = `/api/hooks/safety/${DEMO_TENANT}/earthquake`;
  const body = JSON.stringify({ event_id: 'jma-20261207-0412', title: '地震 震度5強 さくら市' });
  const sign = (b, t = Math.floor(Date.now() / 1000), key = secret) =>
    `t=${t},v1=${createHmac('sha256', key).update(`${t}.${b}`).digest('hex')}`;
  const before = (await c.takahashi.ok('GET', '/api/safety')).managed.length;

  const none = await rawFetch(srv, 'POST', path, { body, headers: { 'Content-Type': 'application/json' } });
  assertError(none, 401, 'unauthenticated');
  const forged = await rawFetch(srv, 'POST', path, { body, headers: { 'X-Tonari-Signature': sign(body, undefined, 'guess') } });
  assertError(forged, 401, 'unauthenticated');
  const stale = await rawFetch(srv, 'POST', path, { body, headers: { 'X-Tonari-Signature': sign(body, Math.floor(Date.now() / 1000) - 600) } });
  assertError(stale, 401, 'unauthenticated');
  const tampered = await rawFetch(srv, 'POST', path, { body: body.replace('5強', '7'), headers: { 'X-Tonari-Signature': sign(body) } });
  assertError(tampered, 401, 'unauthenticated');
  const unknownTenant = await rawFetch(srv, 'POST', '/api/hooks/safety/000000/earthquake', { body, headers: { 'X-Tonari-Signature': sign(body) } });
  assertError(unknownTenant, 401, 'unauthenticated');
  assert.equal((await c.takahashi.ok('GET', '/api/safety')).managed.length, before, 'nothing started');

  const satoWs = await c.sato.ws();
  const ok = await rawFetch(srv, 'POST', path, { body, headers: { 'X-Tonari-Signature': sign(body) } });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.json.created, true);
  assert.equal(ok.json.safety.origin, 'webhook');
  assert.equal(ok.json.safety.title, '地震 震度5強 さくら市');
  await satoWs.next((f) => f.type === 'safety.started' && f.safety.id === ok.json.safety.id, 3000, 'webhook banner');
  const replay = await rawFetch(srv, 'POST', path, { body, headers: { 'X-Tonari-Signature': sign(body) } });
  assert.equal(replay.status, 200, replay.text);
  assert.equal(replay.json.created, false);
  assert.equal(replay.json.safety.id, ok.json.safety.id);
  assert.equal((await c.takahashi.ok('GET', '/api/safety')).managed.length, before + 1);
  const badTemplate = await rawFetch(srv, 'POST', `/api/hooks/safety/${DEMO_TENANT}/tsunami`, { body, headers: { 'X-Tonari-Signature': sign(body) } });
  assertError(badTemplate, 404, 'not_found');
  assert.equal((await c.takahashi.post(`/api/safety/${ok.json.safety.id}/close`, {})).status, 200);
});

test('Internet zone: a restricted account may answer a check that allows it, and nothing else', { timeout: 60000 }, async () => {
  const { startZoned } = await import('./lib/files.mjs');
  const { srv: lg, internet } = await startZoned();
  const cli = (args) => runTonari(['admin', ...args, '--data', lg.dataDir, '--tenant', DEMO_TENANT]);
  assert.equal((await cli(['set-internet', '--login', 'ito', '--deny'])).code, 0);
  assert.equal((await cli(['set-safety-roles', '--login', 'takahashi', '--crisis'])).code, 0);
  const boss = await login(lg, 'takahashi');
  const { loginRaw } = await import('./lib/client.mjs');
  assertError(await loginRaw(internet, { login: 'ito' }), 403, 'zone_forbidden');

  const bosai = (await boss.ok('GET', '/api/departments')).departments.find((d) => d.path === '市民生活部/危機管理課/防災係').id;
  const closedZone = (await boss.ok('POST', '/api/safety', { template: 'earthquake', scope: { depts: [bosai] } }, 201)).safety;
  assertError(await loginRaw(internet, { login: 'ito' }), 403, 'zone_forbidden');
  const open = (await boss.ok('POST', '/api/safety',
    { template: 'earthquake', scope: { depts: [bosai] }, internet_answer: true }, 201)).safety;

  const field = await login(internet, 'ito');
  const list = await field.ok('GET', '/api/safety');
  assert.deepEqual(list.safety.map((s) => s.id), [open.id]);
  assertError(await field.get(`/api/safety/${closedZone.id}`), 403, 'zone_forbidden');
  assertError(await answer(field, closedZone.id, { status: 0, work: 0 }), 403, 'zone_forbidden');
  const ok = await answer(field, open.id, { status: 0, work: 1, location: { lat: 35.68, lon: 139.76 } });
  assert.equal(ok.status, 200, ok.text);
  assertError(await field.get('/api/rooms'), 403, 'zone_forbidden');
  assertError(await field.get(`/api/safety/${open.id}/targets`), 403, 'zone_forbidden');
  await assert.rejects(field.ws(), /403/);
  assertError(await field.patch('/api/me', { status: 'x' }), 403, 'zone_forbidden');

  // A reloaded page has its session cookie but not its CSRF token: GET /api/me gives it
  // (and the user), so it can still answer; then it can log out.
  const { Client } = await import('./lib/client.mjs');
  const reloaded = new Client(internet, { login: 'ito' });
  reloaded.cookie = field.cookie;
  const me = await reloaded.ok('GET', '/api/me');
  assert.equal(me.user.id, field.id);
  assert.equal(me.zone, 'internet');
  assertError(await answer(reloaded, open.id, { status: 1, work: 2 }), 403, 'csrf_failed');
  reloaded.csrf = me.csrf_token;
  assert.equal((await answer(reloaded, open.id, { status: 1, work: 2 })).status, 200);
  // Once the check is closed, the session reads the list, now empty, and nothing else: not
  // itself (a reloaded page lands on the login form, which says why).
  await boss.ok('POST', `/api/safety/${open.id}/close`, {});
  assertError(await reloaded.get('/api/me'), 403, 'zone_forbidden');
  assert.deepEqual((await reloaded.ok('GET', '/api/safety')).safety, []);
  assertError(await reloaded.get('/api/rooms'), 403, 'zone_forbidden');
  assert.equal((await reloaded.post('/api/logout')).status, 200);
  assertError(await reloaded.get('/api/safety'), 401, 'unauthenticated');
  await lg.stop();
});
