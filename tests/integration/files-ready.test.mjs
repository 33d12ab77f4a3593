// Files once their sanitizing job has ended (needs tonari-sanitize and the job runner: the
// i19-san and i19-jobs branches): what each zone downloads and with which headers
// (RFC 6266 name, nosniff, sandbox CSP, ETag = the served bytes' SHA-256, Range 206/416,
// If-None-Match), thumbnails and inline previews, the view-only policy for files from
// LGWAN, a withheld file's reason, and a deleted message's files gone on every path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, installWatchdog, TONARI_BIN } from './lib/server.mjs';
import { login, cid } from './lib/client.mjs';
import { startZoned, uploadFile, download } from './lib/files.mjs';

installWatchdog(240000);
after(cleanupAll);

const WORKER = join(TONARI_BIN, '..', 'tonari-sanitize');
const skip = existsSync(WORKER) ? false : `${WORKER} is not built (the sanitizer and job runner are not merged)`;
const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/sanitize/', import.meta.url));
const fixture = (name) => readFileSync(join(FIXTURES, name));
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const NAME_STAR = "filename*=UTF-8''%E7%A0%B4%E8%A3%82%E7%AE%87%E6%89%80.jpg";

let srv, internet, tanaka, sato, satoNet, yamada, room, ws;

before(async () => {
  if (skip) return;
  ({ srv, internet } = await startZoned({ toml: '[files]\nworkers = 2\njob_seconds = 30\n' }));
  [tanaka, sato, yamada] = await Promise.all(['tanaka', 'sato', 'yamada'].map((l) => login(srv, l)));
  satoNet = await login(internet, 'sato');
  room = (await tanaka.ok('POST', '/api/rooms', { name: '現場写真', members: [sato.id] }, 201)).room.id;
  ws = await tanaka.ws();
});

// Uploads `bytes` as `name` through `client`, attaches it, and waits for its job's end.
async function shared(client, name, bytes) {
  const { file } = await uploadFile(client, room, name, bytes);
  await client.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid('r'), body: name, files: [file.id] }, 201);
  // A job that ends before the post leaves no file.updated: message.created carries the
  // state then.
  const settled = (x) => (x.type === 'file.updated' ? [x.file]
    : x.type === 'message.created' ? (x.message.files || []) : [])
    .find((g) => g.id === file.id && g.state !== 'processing');
  const f = await ws.next((x) => Boolean(settled(x)), 30000, `file ${file.id} checked`);
  return settled(f);
}

test('a ready Internet upload: the sanitized copy to LGWAN, the original to the Internet zone', { skip }, async () => {
  const original = fixture('photo.jpg');
  const file = await shared(satoNet, '破裂箇所.jpg', original);
  assert.equal(file.state, 'ready', JSON.stringify(file));
  const path = `/api/files/${file.id}/content`;

  const lg = await download(tanaka, path);
  assert.equal(lg.status, 200);
  assert.notDeepEqual(lg.body, original);
  assert.equal(lg.headers.get('content-type'), 'image/jpeg');
  assert.equal(lg.headers.get('content-disposition'), `attachment; filename="file.jpg"; ${NAME_STAR}`);
  assert.equal(lg.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(lg.headers.get('content-security-policy'), "default-src 'none'; sandbox");
  assert.equal(lg.headers.get('cache-control'), 'private, no-cache');
  assert.equal(lg.headers.get('accept-ranges'), 'bytes');
  assert.equal(lg.headers.get('content-length'), String(lg.body.length));
  const etag = lg.headers.get('etag');
  assert.equal(etag, `"${sha256(lg.body)}"`);
  assert.equal((await download(tanaka, path, { 'If-None-Match': etag })).status, 304);

  const inline = await download(tanaka, `${path}?inline=1`);
  assert.ok(inline.headers.get('content-disposition').startsWith('inline; '), inline.headers.get('content-disposition'));
  assert.deepEqual(inline.body, lg.body);

  // Ranges of the sanitized copy.
  let r = await download(tanaka, path, { Range: 'bytes=0-99' });
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), `bytes 0-99/${lg.body.length}`);
  assert.deepEqual(r.body, lg.body.subarray(0, 100));
  r = await download(tanaka, path, { Range: 'bytes=-50' });
  assert.equal(r.status, 206);
  assert.deepEqual(r.body, lg.body.subarray(lg.body.length - 50));
  r = await download(tanaka, path, { Range: `bytes=${lg.body.length}-` });
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), `bytes */${lg.body.length}`);
  assert.equal(r.json.error.code, 'range_not_satisfiable');
  r = await download(tanaka, path, { Range: 'bytes=0-9', 'If-Range': '"stale"' });
  assert.equal(r.status, 200);

  const thumb = await download(tanaka, `/api/files/${file.id}/thumbnail`);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual([...thumb.body.subarray(0, 2)], [0xff, 0xd8]);

  // The Internet zone: the original, byte for byte.
  const net = await download(satoNet, path);
  assert.equal(net.status, 200);
  assert.deepEqual(net.body, original);
  assert.equal(net.headers.get('etag'), `"${sha256(original)}"`);
  assert.equal(net.headers.get('content-disposition'), `attachment; filename="file.jpg"; ${NAME_STAR}`);
  r = await download(satoNet, path, { Range: 'bytes=10-19' });
  assert.deepEqual(r.body, original.subarray(10, 20));

  // Deleting the message: gone on every path, in both zones.
  const msgs = await tanaka.ok('GET', `/api/rooms/${room}/messages?limit=50`);
  const seq = msgs.messages.find((m) => (m.files || []).some((f) => f.id === file.id)).seq;
  await satoNet.ok('DELETE', `/api/rooms/${room}/messages/${seq}`);
  for (const c of [tanaka, satoNet]) {
    for (const p of [path, `${path}?inline=1`, `/api/files/${file.id}/thumbnail`, `/api/files/${file.id}`]) {
      assert.equal((await download(c, p)).status, 404, `${c.loginId} ${p}`);
    }
  }
});

test('view-only: the Internet zone previews a file from LGWAN but cannot download it', { skip }, async () => {
  const file = await shared(tanaka, '配水管図.png', fixture('clean.png'));
  assert.equal(file.state, 'ready', JSON.stringify(file));
  assert.equal(file.from, 'lgwan');
  const path = `/api/files/${file.id}/content`;
  assert.equal((await download(satoNet, path)).status, 200);
  await yamada.ok('PUT', '/api/admin/file-policy', { internet_download: 'view' });
  try {
    const dl = await download(satoNet, path);
    assert.equal(dl.status, 403);
    assert.equal(dl.json.error.code, 'zone_forbidden');
    const view = await download(satoNet, `${path}?inline=1`);
    assert.equal(view.status, 200);
    assert.ok(view.headers.get('content-disposition').startsWith('inline; '));
    assert.equal((await download(satoNet, `/api/files/${file.id}/thumbnail`)).status, 200);
    assert.equal((await download(tanaka, path)).status, 200);
    // Files from the Internet zone are not held back by it.
    const own = await shared(satoNet, '現場.png', fixture('clean.png'));
    assert.equal((await download(satoNet, `/api/files/${own.id}/content`)).status, 200);
  } finally {
    await yamada.ok('PUT', '/api/admin/file-policy', { internet_download: 'allow' });
  }
});

test('a withheld file says why in the error, to LGWAN only', { skip }, async () => {
  const original = fixture('ppap.zip');
  const file = await shared(satoNet, '見積書.zip', original);
  assert.equal(file.state, 'withheld', JSON.stringify(file));
  assert.equal(file.reason, 'encrypted');
  for (const what of ['content', 'content?inline=1', 'thumbnail']) {
    const r = await download(tanaka, `/api/files/${file.id}/${what}`);
    assert.equal(r.status, 403, what);
    assert.equal(r.json.error.code, 'file_withheld');
    assert.equal(r.json.error.reason, 'encrypted');
  }
  const net = await download(satoNet, `/api/files/${file.id}/content?inline=1`);
  assert.equal(net.status, 200);
  assert.ok(net.headers.get('content-disposition').startsWith('attachment; '));
  assert.deepEqual(net.body, original);
});
