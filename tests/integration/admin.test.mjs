// Administration from the command line: CSV import of staff (UTF-8 and Shift_JIS, as
// municipal systems export it), with per-row errors, then the imported staff can log in
// and are found by reading in the directory.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, runTonari, createTenant, startServer, cleanupAll, DEMO_TENANT } from './lib/server.mjs';
import { login as loginAs, loginRaw, cid } from './lib/client.mjs';

after(cleanupAll);

async function login(srv, tenant, loginId, password) {
  return fetch(`${srv.base}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant, login: loginId, password, token: true }),
  });
}

test('import-users reads UTF-8 and Shift_JIS CSV and reports bad rows', { timeout: 60000 }, async () => {
  const dir = makeDataDir();
  await createTenant(dir, { code: '999010', name: 'ひのき村' });
  await runTonari(['admin', 'create-department', '--data', dir, '--tenant', '999010',
    '--name', '総務課', '--reading', 'そうむか']);

  const utf8 = join(dir, 'staff.csv');
  writeFileSync(utf8, '\ufefflogin,name,reading,department,title,password,admin\n' +
    'kimura,木村 花,きむら はな,総務課,主事,hinoki-pass-1,\n' +
    '"abe","阿部, 一","あべ はじめ",,主任,hinoki-pass-2,admin\n' +
    'BAD LOGIN,誰か,だれか,,,hinoki-pass-3,\n' +
    'kimura,木村 二,きむら に,,,hinoki-pass-4,\n' +
    'nodept,某,なにがし,存在しない課,,hinoki-pass-5,\n');
  const r = await runTonari(['admin', 'import-users', '--data', dir, '--tenant', '999010', '--csv', utf8]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stdout, /imported 2 users, 3 failed/);
  assert.match(r.stderr, /staff\.csv:4: BAD LOGIN: login/);
  assert.match(r.stderr, /staff\.csv:5: kimura: login id kimura is already taken/);
  assert.match(r.stderr, /staff\.csv:6: nodept: department 存在しない課 not found/);

  // 遠藤 / えんどう in Windows-31J (CP932), CRLF line ends.
  const sjis = join(dir, 'staff-sjis.csv');
  writeFileSync(sjis, Buffer.concat([
    Buffer.from('login,name,reading,department,title,password\r\nendo,'),
    Buffer.from([0x89, 0x93, 0x93, 0xa1]), Buffer.from(','),
    Buffer.from([0x82, 0xa6, 0x82, 0xf1, 0x82, 0xc7, 0x82, 0xa4]),
    Buffer.from(',,,hinoki-pass-6\r\n'),
  ]));
  const r2 = await runTonari(['admin', 'import-users', '--data', dir, '--tenant', '999010', '--csv', sjis]);
  assert.equal(r2.code, 0, r2.stderr);
  assert.match(r2.stdout, /imported 1 users, 0 failed/);

  const srv = await startServer({ dataDir: dir, demo: false });
  const res = await login(srv, '999010', 'endo', 'hinoki-pass-6');
  assert.equal(res.status, 200);
  const { token, user } = await res.json();
  assert.equal(user.name, '遠藤');
  assert.equal(user.reading, 'えんどう');
  const found = await fetch(`${srv.base}/api/users?q=${encodeURIComponent('アベ')}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const { users } = await found.json();
  assert.deepEqual(users.map((u) => [u.login, u.name, u.role]), [['abe', '阿部, 一', 'admin']]);
  assert.equal((await login(srv, '999010', 'kimura', 'hinoki-pass-1')).status, 200);
  assert.equal((await login(srv, '999010', 'kimura', 'hinoki-pass-4')).status, 401);
});

test('import-users refuses a file without the expected header', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  await createTenant(dir, { code: '999011', name: 'すぎ町' });
  const f = join(dir, 'x.csv');
  writeFileSync(f, 'name,login\n田中,tanaka\n');
  const r = await runTonari(['admin', 'import-users', '--data', dir, '--tenant', '999011', '--csv', f]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /first line must be login,name,reading,department,title,password/);
});

test('disable-user logs a leaver out everywhere while the server runs; enable-user lets them back', { timeout: 60000 }, async () => {
  const srv = await startServer({ demo: true });
  const byCookie = await loginAs(srv, 'tanaka');
  const byToken = await loginAs(srv, 'tanaka', { token: true });
  const sato = await loginAs(srv, 'sato', { token: true });
  const room = (await sato.ok('POST', '/api/direct', { user: byToken.id })).room.id;
  await byToken.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid(), body: '引き継ぎ資料です' }, 201);
  const phone = await byToken.ws();
  const desk = await byCookie.ws();
  const other = await sato.ws();

  const r = await runTonari(['admin', 'disable-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'tanaka']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /disabled user tanaka .*logged out everywhere/);

  // Both live connections end with 4001 (the server polls revocations every second).
  assert.equal((await phone.closed).code, 4001);
  assert.equal((await desk.closed).code, 4001);
  assert.equal(other.closeInfo, null, 'other staff stay connected');
  assert.equal((await byToken.req('GET', '/api/me')).status, 401);
  assert.equal((await byCookie.req('GET', '/api/me')).status, 401);
  assert.equal((await loginRaw(srv, { login: 'tanaka' })).status, 401);
  const found = await sato.ok('GET', '/api/users?q=tanaka');
  assert.deepEqual(found.users.filter((u) => u.id === byToken.id), [], 'a disabled account is not in the directory');
  assert.ok(found.users.length > 0, 'the others still are');
  // What they wrote stays, under their name.
  const msgs = await sato.ok('GET', `/api/rooms/${room}/messages`);
  assert.equal(msgs.messages.at(-1).body, '引き継ぎ資料です');
  assert.equal(msgs.messages.at(-1).sender, byToken.id);

  const e = await runTonari(['admin', 'enable-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'tanaka']);
  assert.equal(e.code, 0, e.stderr);
  assert.equal((await byToken.req('GET', '/api/me')).status, 401, 'old sessions stay ended');
  const back = await loginAs(srv, 'tanaka', { token: true });
  assert.equal((await back.req('GET', '/api/me')).status, 200);

  const unknown = await runTonari(['admin', 'disable-user', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'nobody']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no user nobody/);
});
