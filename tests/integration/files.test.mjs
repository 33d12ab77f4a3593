// Files on the request path (docs/api.md, Files): resumable chunked uploads, limits and
// quota, attaching to messages (REST and WebSocket), who may see a file (membership now,
// municipality, deleted messages, unattached uploads), the zones (an Internet upload's
// original never reaches the LGWAN listener; 利用制限 at login, on requests and on
// WebSockets), the administration endpoints and CLI, and the server's memory during a
// 100 MB upload. Nothing here depends on whether the sanitizing jobs run (tonari-sanitize
// built or not); what needs a file whose job has ended is in files-ready.test.mjs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cleanupAll, installWatchdog, createTenant, createUser, runTonari, DEMO_TENANT } from './lib/server.mjs';
import { login, loginRaw, cid, sleep, wsUpgradeResult } from './lib/client.mjs';
import { startZoned, putChunk, uploadFile, download, rssBytes, bytesOf } from './lib/files.mjs';

installWatchdog(300000);
after(cleanupAll);

const MiB = 1 << 20;
const OTHER_TENANT = '999077';

let srv;       // the lgwan listener
let internet;  // the internet listener of the same server
let tanaka, sato, suzuki, yamada;  // through LGWAN; yamada is the IT administrator
let room;      // tanaka's room with sato (suzuki is not in it)

before(async () => {
  ({ srv, internet } = await startZoned());
  await createTenant(srv.dataDir, { code: OTHER_TENANT, name: 'くすのき町' });
  await createUser(srv.dataDir, { tenant: OTHER_TENANT, login: 'kusuda', name: '楠田 一', reading: 'くすだ はじめ', password: 'kusunoki-pass-1', admin: true });
  [tanaka, sato, suzuki, yamada] = await Promise.all(['tanaka', 'sato', 'suzuki', 'yamada'].map((l) => login(srv, l)));
  room = (await tanaka.ok('POST', '/api/rooms', { name: 'ファイル試験', members: [sato.id] }, 201)).room.id;
});

test('a chunked upload resumes at the server offset after a wrong one, and answers its file again', async () => {
  const bytes = bytesOf(9 * MiB + 12345, 7);
  const c = await tanaka.post(`/api/rooms/${room}/uploads`, { name: '議事録 第3回.pdf', size: bytes.length, type: 'application/pdf' });
  assert.equal(c.status, 201, c.text);
  const up = c.json.upload;
  assert.match(up.id, /^[0-9a-f]{32}$/);
  assert.deepEqual({ offset: up.offset, size: up.size, chunk: up.chunk_bytes }, { offset: 0, size: bytes.length, chunk: 4 * MiB });

  let r = await putChunk(tanaka, up.id, 0, bytes.subarray(0, 4 * MiB));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.upload.offset, 4 * MiB);
  // The same chunk again (its answer was lost), and one that skips ahead: 409 with the offset.
  for (const wrong of [0, 8 * MiB]) {
    r = await putChunk(tanaka, up.id, wrong, bytes.subarray(wrong, wrong + 1000));
    assert.equal(r.status, 409, r.text);
    assert.equal(r.json.error.code, 'offset_mismatch');
    assert.equal(r.json.error.offset, 4 * MiB);
  }
  // After a network loss the client asks where it stands.
  r = await tanaka.get(`/api/uploads/${up.id}`);
  assert.equal(r.status, 200);
  assert.equal(r.json.upload.offset, 4 * MiB);
  assert.equal(r.json.file, undefined);
  // A chunk over the upload's chunk size is refused by the HTTP layer.
  r = await putChunk(tanaka, up.id, 4 * MiB, bytes.subarray(0, 4 * MiB + 1));
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json.error.code, 'payload_too_large');
  // Missing or malformed Upload-Offset.
  for (const offset of [undefined, '-1', '4x', '']) {
    const headers = { 'Content-Type': 'application/octet-stream' };
    if (offset !== undefined) headers['Upload-Offset'] = offset;
    r = await tanaka.req('PUT', `/api/uploads/${up.id}`, { body: Buffer.from('x'), headers });
    assert.equal(r.status, 400, `${offset}: ${r.text}`);
  }

  r = await putChunk(tanaka, up.id, 4 * MiB, bytes.subarray(4 * MiB, 8 * MiB));
  assert.equal(r.status, 200);
  // Past the declared size.
  r = await putChunk(tanaka, up.id, 8 * MiB, Buffer.concat([bytes.subarray(8 * MiB), Buffer.from('x')]));
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, 'invalid_argument');
  r = await putChunk(tanaka, up.id, 8 * MiB, bytes.subarray(8 * MiB));
  assert.equal(r.status, 201, r.text);
  const file = r.json.file;
  assert.equal(r.json.upload.offset, bytes.length);
  assert.equal(file.name, '議事録 第3回.pdf');
  assert.equal(file.size, bytes.length);
  assert.equal(file.state, 'processing');
  assert.equal(file.from, 'lgwan');
  assert.equal(file.room, room);
  assert.equal(file.seq, 0);
  assert.equal(file.uploader, tanaka.id);
  // The last answer lost: the same request again, or the status, gives the same file.
  r = await putChunk(tanaka, up.id, bytes.length, Buffer.alloc(0));
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.file.id, file.id);
  r = await tanaka.get(`/api/uploads/${up.id}`);
  assert.equal(r.json.file.id, file.id);
  r = await putChunk(tanaka, up.id, 0, bytes.subarray(0, 10));
  assert.equal(r.status, 409);
  assert.equal(r.json.error.offset, bytes.length);
});

test('names are cleaned; bad names, sizes and types are refused', async () => {
  const ok = await tanaka.post(`/api/rooms/${room}/uploads`, { name: 'C:\\Users\\tanaka\\写真\\現場\u202Egpj.exe', size: 10 });
  assert.equal(ok.status, 201, ok.text);
  const done = await putChunk(tanaka, ok.json.upload.id, 0, Buffer.from('0123456789'));
  assert.equal(done.json.file.name, '現場gpj.exe');
  for (const body of [{ name: '', size: 10 }, { name: '../', size: 10 }, { name: 'a.txt', size: 0 },
    { name: 'a.txt', size: -5 }, { name: 'a.txt' }, { size: 10 }, { name: 'a.txt', size: 10, type: 'text/plain; x="a b"' }]) {
    const r = await tanaka.post(`/api/rooms/${room}/uploads`, body);
    assert.equal(r.status, 400, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_argument');
  }
});

test('cancel removes an upload; another user never sees it', async () => {
  const c = await tanaka.ok('POST', `/api/rooms/${room}/uploads`, { name: 'a.bin', size: 100 }, 201);
  const id = c.upload.id;
  assert.equal((await putChunk(tanaka, id, 0, bytesOf(50))).status, 200);
  // sato is in the room, but the upload is tanaka's.
  for (const [method, r] of [['GET', await sato.get(`/api/uploads/${id}`)],
    ['PUT', await putChunk(sato, id, 50, bytesOf(50))],
    ['DELETE', await sato.del(`/api/uploads/${id}`)]]) {
    assert.equal(r.status, 404, `${method}: ${r.text}`);
    assert.equal(r.json.error.code, 'not_found');
  }
  const del = await tanaka.del(`/api/uploads/${id}`);
  assert.equal(del.status, 204, del.text);
  assert.equal((await tanaka.get(`/api/uploads/${id}`)).status, 404);
  assert.equal((await putChunk(tanaka, id, 50, bytesOf(50))).status, 404);
  assert.equal((await tanaka.del(`/api/uploads/${id}`)).status, 404);
  assert.equal((await tanaka.get('/api/uploads/not-an-id')).status, 404);
  // Not a member of the room: as if it did not exist.
  const r = await suzuki.post(`/api/rooms/${room}/uploads`, { name: 'a.bin', size: 100 });
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
});

test('attaching files to messages over REST and WebSocket; who may see them', async () => {
  const first = await uploadFile(tanaka, room, '破裂箇所.jpg', bytesOf(3000, 3), { type: 'image/jpeg' });
  const second = await uploadFile(tanaka, room, '位置図.png', bytesOf(2000, 4), { type: 'image/png' });
  // Not attached yet: only the uploader sees it.
  assert.equal((await tanaka.get(`/api/files/${first.file.id}`)).status, 200);
  assert.equal((await sato.get(`/api/files/${first.file.id}`)).status, 404);
  // Another user's upload cannot be attached.
  const mine = await uploadFile(sato, room, 'sato.txt', bytesOf(10), { type: 'text/plain' });
  let r = await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), body: 'x', files: [mine.file.id] });
  assert.equal(r.status, 400, r.text);
  // A message of files only: no text needed.
  r = await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), files: [first.file.id, second.file.id] });
  assert.equal(r.status, 201, r.text);
  const msg = r.json.message;
  assert.deepEqual(msg.files.map((f) => f.id), [first.file.id, second.file.id]);
  assert.equal(msg.files[0].seq, msg.seq);
  // Its job may have ended already (a few hundred ms on an idle machine, racing this test).
  assert.ok(['processing', 'ready'].includes(msg.files[0].state), msg.files[0].state);
  // Attached once only.
  r = await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), body: 'again', files: [first.file.id] });
  assert.equal(r.status, 400, r.text);
  // At most 10 per message; and text is still needed without files.
  r = await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), body: 'many', files: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] });
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /10/);
  r = await tanaka.post(`/api/rooms/${room}/messages`, { client_id: cid(), body: '' });
  assert.equal(r.status, 400);

  // The room's members see the file now; others never.
  const meta = await sato.get(`/api/files/${first.file.id}`);
  assert.equal(meta.status, 200, meta.text);
  assert.equal(meta.json.file.name, '破裂箇所.jpg');
  for (const path of [`/api/files/${first.file.id}`, `/api/files/${first.file.id}/content`, `/api/files/${first.file.id}/thumbnail`,
    `/api/files/${first.file.id}/content?inline=1`]) {
    r = await suzuki.get(path);
    assert.equal(r.status, 404, `${path}: ${r.text}`);
    assert.equal(r.json.error.code, 'not_found');
  }
  const kusuda = await login(srv, 'kusuda', { tenant: OTHER_TENANT, password: 'kusunoki-pass-1' });
  assert.equal((await kusuda.get(`/api/files/${first.file.id}`)).status, 404);
  assert.equal((await kusuda.get(`/api/files/${first.file.id}/content`)).status, 404);
  assert.equal((await sato.get('/api/files/999999')).status, 404);
  assert.equal((await sato.get('/api/files/abc')).status, 404);
  // An LGWAN upload the municipality does not check: nothing while its job runs
  // (file_not_ready); once it has ended, the original as it is (no thumbnail: these bytes
  // are no image). Internet uploads: 'the LGWAN listener never gets…' below.
  for (const what of ['content', 'thumbnail']) {
    r = await sato.get(`/api/files/${first.file.id}/${what}`);
    if (r.status === 409) assert.equal(r.json.error.code, 'file_not_ready');
    else assert.equal(r.status, what === 'content' ? 200 : 404, `${what}: ${r.status} ${r.text}`);
  }

  // Over the WebSocket: a send frame with files and no body.
  const third = await uploadFile(tanaka, room, 'ws.csv', bytesOf(500, 5), { type: 'text/csv' });
  const ws = await sato.ws();
  const tws = await tanaka.ws();
  const clientId = cid();
  tws.send({ type: 'send', room, client_id: clientId, body: '', files: [third.file.id] });
  const ack = await tws.next((f) => f.type === 'ack' || f.type === 'error', 5000);
  assert.equal(ack.type, 'ack', JSON.stringify(ack));
  const created = await ws.next((f) => f.type === 'message.created' && f.message.client_id === clientId, 5000);
  assert.equal(created.message.files[0].id, third.file.id);
  assert.equal(created.message.files[0].name, 'ws.csv');

  // A member removed from the room loses the files at once.
  await tanaka.ok('DELETE', `/api/rooms/${room}/members/${sato.id}`);
  assert.equal((await sato.get(`/api/files/${first.file.id}`)).status, 404);
  await tanaka.ok('POST', `/api/rooms/${room}/members`, { users: [sato.id] });
  assert.equal((await sato.get(`/api/files/${first.file.id}`)).status, 200);

  // Deleting the message removes access to its files, for everyone.
  await tanaka.ok('DELETE', `/api/rooms/${room}/messages/${msg.seq}`);
  for (const c of [tanaka, sato]) {
    for (const path of [`/api/files/${first.file.id}`, `/api/files/${second.file.id}/content`]) {
      r = await c.get(path);
      assert.equal(r.status, 404, `${c.loginId} ${path}: ${r.text}`);
    }
  }
});

test("the LGWAN listener never gets an Internet upload's original", async () => {
  // While it is checked (and after: random bytes are no JPEG), by every path.
  const field = await login(internet, 'sato');
  const me = await field.get('/api/me');
  assert.equal(me.json.zone, 'internet');
  assert.equal((await sato.get('/api/me')).json.zone, 'lgwan');
  assert.equal(field.loginResponse.json.zone, 'internet');
  const bytes = bytesOf(50000, 9);
  const up = await uploadFile(field, room, '破裂箇所.jpg', bytes, { type: 'image/jpeg' });
  assert.equal(up.file.from, 'internet');
  const posted = await field.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid(), body: '現場写真です', files: [up.file.id] }, 201);
  assert.equal(posted.message.files[0].from, 'internet');
  for (const what of ['content', 'content?inline=1', 'thumbnail']) {
    const d = await download(tanaka, `/api/files/${up.file.id}/${what}`, { Range: 'bytes=0-10' });
    assert.notEqual(d.status, 200, what);
    assert.notEqual(d.status, 206, what);
    assert.ok(!d.body.includes(bytes.subarray(0, 64)), `${what} gave the original's bytes`);
    assert.ok(['file_not_ready', 'file_withheld'].includes(d.json.error.code), `${what}: ${d.body}`);
  }
});

test('file size limit: the server maximum and the municipality policy, precise errors', async () => {
  let r = await tanaka.post(`/api/rooms/${room}/uploads`, { name: 'huge.mp4', size: 100 * MiB + 1 });
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json.error.code, 'payload_too_large');
  assert.match(r.json.error.message, /100 MiB/);
  assert.equal(r.json.error.max_bytes, 100 * MiB);
  await yamada.ok('PUT', '/api/admin/file-policy', { max_file_bytes: MiB });
  try {
    r = await tanaka.post(`/api/rooms/${room}/uploads`, { name: 'big.pdf', size: MiB + 1 });
    assert.equal(r.status, 413);
    assert.match(r.json.error.message, /1 MiB/);
    assert.equal(r.json.error.max_bytes, MiB);
    assert.equal((await tanaka.post(`/api/rooms/${room}/uploads`, { name: 'ok.pdf', size: MiB })).status, 201);
  } finally {
    await yamada.ok('PUT', '/api/admin/file-policy', { max_file_bytes: 100 * MiB });
  }
});

test('the quota holds at admission and again when an upload ends', async () => {
  // A town of its own, so that other tests' files do not count.
  const admin = await login(srv, 'kusuda', { tenant: OTHER_TENANT, password: 'kusunoki-pass-1' });
  const own = (await admin.ok('POST', '/api/rooms', { name: '資料', members: [] }, 201)).room.id;
  await admin.ok('PUT', '/api/admin/file-policy', { quota_bytes: MiB });
  const a = await uploadFile(admin, own, 'a.bin', bytesOf(600 * 1024, 1));
  assert.equal(a.file.size, 600 * 1024);
  let r = await admin.post(`/api/rooms/${own}/uploads`, { name: 'b.bin', size: 600 * 1024 });
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json.error.code, 'quota_exceeded');
  assert.match(r.json.error.message, /1 MiB/);
  // Two uploads admitted while there was room; the second to end is refused, and dropped.
  await admin.ok('PUT', '/api/admin/file-policy', { quota_bytes: 2 * MiB });
  const c1 = (await admin.ok('POST', `/api/rooms/${own}/uploads`, { name: 'c1.bin', size: 800 * 1024 }, 201)).upload;
  const c2 = (await admin.ok('POST', `/api/rooms/${own}/uploads`, { name: 'c2.bin', size: 800 * 1024 }, 201)).upload;
  assert.equal((await putChunk(admin, c1.id, 0, bytesOf(800 * 1024, 2))).status, 201);
  r = await putChunk(admin, c2.id, 0, bytesOf(800 * 1024, 3));
  assert.equal(r.status, 413, r.text);
  assert.equal(r.json.error.code, 'quota_exceeded');
  assert.equal((await admin.get(`/api/uploads/${c2.id}`)).status, 404);
});

test('file policy and Internet use: administrators only, over REST and the CLI', async () => {
  let r = await tanaka.get('/api/admin/file-policy');
  assert.equal(r.status, 403);
  assert.equal(r.json.error.code, 'permission_denied');
  r = await tanaka.req('PUT', '/api/admin/file-policy', { body: { pdf: 'rasterize' } });
  assert.equal(r.status, 403);
  r = await yamada.get('/api/admin/file-policy');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.policy, {
    image: 'rebuild', pdf: 'rebuild', office: 'rebuild', check_lgwan_uploads: false,
    internet_download: 'allow', keep_gps: false, max_file_bytes: 100 * MiB, quota_bytes: 0,
  });
  r = await yamada.req('PUT', '/api/admin/file-policy', { body: { pdf: 'rasterize', check_lgwan_uploads: true } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.policy.pdf, 'rasterize');
  assert.equal(r.json.policy.check_lgwan_uploads, true);
  assert.equal(r.json.policy.office, 'rebuild');
  for (const bad of [{ pdf: 'shred' }, { quota_bytes: -1 }, { colour: 'red' }]) {
    r = await yamada.req('PUT', '/api/admin/file-policy', { body: bad });
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.json.error.code, 'invalid_argument');
    assert.match(r.json.error.message, new RegExp(Object.keys(bad)[0]));
  }
  // Another town's policy is its own.
  const kusuda = await login(srv, 'kusuda', { tenant: OTHER_TENANT, password: 'kusunoki-pass-1' });
  assert.equal((await kusuda.get('/api/admin/file-policy')).json.policy.pdf, 'rebuild');
  // The CLI changes what it is given and prints the whole policy.
  const cli = await runTonari(['admin', 'file-policy', '--data', srv.dataDir, '--tenant', DEMO_TENANT,
    '--office', 'rasterize', '--check-lgwan', 'off', '--internet-download', 'view', '--quota-mb', '0']);
  assert.equal(cli.code, 0, cli.stderr);
  const printed = JSON.parse(cli.stdout);
  assert.equal(printed.office, 'rasterize');
  assert.equal(printed.pdf, 'rasterize');
  assert.equal(printed.check_lgwan_uploads, false);
  assert.equal(printed.internet_download, 'view');
  assert.deepEqual((await yamada.get('/api/admin/file-policy')).json.policy, printed);
  const bad = await runTonari(['admin', 'file-policy', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--pdf', 'shred']);
  assert.notEqual(bad.code, 0);
  await runTonari(['admin', 'file-policy', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--pdf', 'rebuild',
    '--office', 'rebuild', '--internet-download', 'allow']);

  // Internet use: administrators of the user's own town only.
  r = await tanaka.req('PUT', `/api/admin/users/${sato.id}/internet`, { body: { allowed: false } });
  assert.equal(r.status, 403);
  r = await kusuda.req('PUT', `/api/admin/users/${sato.id}/internet`, { body: { allowed: false } });
  assert.equal(r.status, 404);
  r = await yamada.req('PUT', `/api/admin/users/${sato.id}/internet`, { body: {} });
  assert.equal(r.status, 400);
  r = await yamada.req('PUT', '/api/admin/users/999999/internet', { body: { allowed: false } });
  assert.equal(r.status, 404);
});

test('利用制限: a user without Internet use is refused there at login, on requests and on WebSockets', async () => {
  const ito = await login(srv, 'ito');
  const itoNet = await login(internet, 'ito');
  const wsNet = await itoNet.ws();
  const wsLg = await ito.ws();
  let r = await yamada.req('PUT', `/api/admin/users/${ito.id}/internet`, { body: { allowed: false } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.internet_allowed, false);
  assert.equal(r.json.user.login, 'ito');
  // The open Internet-zone WebSocket ends; the LGWAN one stays.
  const closed = await Promise.race([wsNet.closed, sleep(5000).then(() => null)]);
  assert.ok(closed, 'the Internet-zone WebSocket stayed open');
  assert.equal(closed.code, 4001);
  assert.equal(closed.reason, 'zone_forbidden');
  wsLg.send({ type: 'ping' });
  await wsLg.next((f) => f.type === 'pong', 3000);
  // The existing session: refused through the Internet listener, fine through LGWAN.
  r = await itoNet.get('/api/me');
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'zone_forbidden');
  assert.match(r.json.error.message, /Internet/);
  r = await itoNet.post(`/api/rooms/${room}/uploads`, { name: 'a.jpg', size: 10 });
  assert.equal(r.status, 403);
  const sameSessionLgwan = Object.assign(Object.create(Object.getPrototypeOf(itoNet)), itoNet, { server: srv });
  assert.equal((await sameSessionLgwan.get('/api/me')).status, 200);
  // A new WebSocket and a new login through the Internet listener.
  const up = await wsUpgradeResult(internet, { headers: itoNet.authHeaders(), origin: internet.origin });
  assert.equal(up.status, 403);
  r = await loginRaw(internet, { login: 'ito' });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'zone_forbidden');
  assert.equal(r.headers.get('set-cookie'), null);
  // A wrong password is still just a wrong password.
  r = await loginRaw(internet, { login: 'ito', password: 'wrong-password' });
  assert.equal(r.status, 401);
  assert.equal((await loginRaw(srv, { login: 'ito' })).status, 200);
  // Allowed again from the CLI.
  const cli = await runTonari(['admin', 'set-internet', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'ito', '--allow']);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal((await loginRaw(internet, { login: 'ito' })).status, 200);
  const deny = await runTonari(['admin', 'set-internet', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'ito', '--deny']);
  assert.equal(deny.code, 0, deny.stderr);
  assert.equal((await loginRaw(internet, { login: 'ito' })).status, 403);
  await runTonari(['admin', 'set-internet', '--data', srv.dataDir, '--tenant', DEMO_TENANT, '--login', 'ito', '--allow']);
});

test('a 100 MB upload in 4 MiB chunks costs the server less than 16 MB of memory', { timeout: 180000 }, async (t) => {
  // A server of its own, so that nothing else moves its memory meanwhile.
  const { srv: lone } = await startZoned();
  const me = await login(lone, 'tanaka');
  const own = (await me.ok('POST', '/api/rooms', { name: '大容量', members: [] }, 201)).room.id;
  // Warm up the paths (first allocations of the parser, the thread pool, the store).
  await uploadFile(me, own, 'warm.bin', bytesOf(5 * MiB, 11));
  await sleep(500);
  const pid = lone.proc.pid;
  const baseline = rssBytes(pid);
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rssBytes(pid)); }, 20);
  const size = 100 * 1000 * 1000;
  const chunk = bytesOf(4 * MiB, 12);
  try {
    const c = await me.ok('POST', `/api/rooms/${own}/uploads`, { name: '記録映像.mp4', size, type: 'video/mp4' }, 201);
    let last;
    for (let offset = 0; offset < size; offset += chunk.length) {
      const part = chunk.subarray(0, Math.min(chunk.length, size - offset));
      last = await putChunk(me, c.upload.id, offset, part);
      assert.ok(last.status === 200 || last.status === 201, last.text);
    }
    assert.equal(last.status, 201);
    assert.equal(last.json.file.size, size);
  } finally {
    clearInterval(sampler);
  }
  peak = Math.max(peak, rssBytes(pid));
  const growth = peak - baseline;
  t.diagnostic(`RSS baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB, growth ${(growth / MiB).toFixed(2)} MiB`);
  console.log(`# 100 MB upload: server RSS growth ${(growth / MiB).toFixed(2)} MiB (baseline ${(baseline / MiB).toFixed(1)} MiB)`);
  assert.ok(growth < 16 * 1000 * 1000, `RSS grew by ${growth} bytes`);
  await lone.stop();
});

test('an upload is fed only through the zone it was started from', async () => {
  // Begun on LGWAN, its bytes must not arrive from the Internet: they would reach LGWAN
  // users as an unchecked LGWAN upload. And the reverse.
  const field = await login(internet, 'tanaka');
  const bytes = bytesOf(3000, 11);
  for (const [start, other] of [[tanaka, field], [field, tanaka]]) {
    const c = await start.post(`/api/rooms/${room}/uploads`, { name: 'zone.bin', size: bytes.length });
    assert.equal(c.status, 201, c.text);
    const { id } = c.json.upload;
    let r = await putChunk(other, id, 0, bytes);
    assert.equal(r.status, 404, r.text);
    assert.equal(r.json.error.code, 'not_found');
    assert.equal((await other.get(`/api/uploads/${id}`)).status, 404);
    assert.equal((await other.del(`/api/uploads/${id}`)).status, 404);
    r = await putChunk(start, id, 0, bytes);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.file.from, start === field ? 'internet' : 'lgwan');
  }
});
