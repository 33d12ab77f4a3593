// The web client's files: compressed when the browser accepts gzip, revalidated by ETag,
// client-side routes answered with the app, and nothing outside the web root.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { makeDataDir, startServer, cleanupAll } from './lib/server.mjs';

let srv;
const page = '<!doctype html><title>tonari</title>' + '<p>隣</p>'.repeat(200);
const script = 'console.log("tonari");'.repeat(100);

before(async () => {
  const web = makeDataDir('tonari-web-');
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), page);
  writeFileSync(join(web, 'assets', 'app-1234.js'), script);
  srv = await startServer({ demo: false, extraArgs: ['--web', web] });
});
after(cleanupAll);

// Raw GET (fetch would decompress and hide the encoding).
function get(path, headers = {}, method = 'GET') {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: srv.port, path, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.setTimeout(10000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

test('gzip when accepted, identity otherwise, with a CSP on the page', async () => {
  const gz = await get('/', { 'accept-encoding': 'gzip, br' });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), page);
  assert.ok(gz.body.length < Buffer.byteLength(page) / 4);
  assert.match(gz.headers['content-security-policy'], /default-src 'self'/);
  assert.equal(gz.headers['cache-control'], 'no-cache');
  const plain = await get('/');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), page);
});

test('ETag revalidation answers 304 without a body; hashed assets are immutable', async () => {
  const first = await get('/assets/app-1234.js');
  assert.equal(first.status, 200);
  assert.match(first.headers['content-type'], /^text\/javascript/);
  assert.match(first.headers['cache-control'], /immutable/);
  const etag = first.headers.etag;
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  const again = await get('/assets/app-1234.js', { 'if-none-match': etag });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
});

test('client-side routes get the app; missing files and unknown API paths get JSON 404', async () => {
  const route = await get('/rooms/5');
  assert.equal(route.status, 200);
  assert.equal(route.body.toString(), page);
  const missing = await get('/assets/nope.js');
  assert.equal(missing.status, 404);
  assert.equal(JSON.parse(missing.body).error.code, 'not_found');
  const api = await get('/api/nope');
  assert.equal(api.status, 404);
  assert.equal(JSON.parse(api.body).error.code, 'not_found');
});

test('paths cannot leave the web root', async () => {
  for (const p of ['/../../../../etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%2e%2e/%2e%2e/etc/passwd']) {
    const r = await get(p);
    assert.ok(!r.body.toString().includes('root:'), `${p} leaked a file`);
  }
});

test('HEAD has the headers and no body', async () => {
  const r = await get('/', {}, 'HEAD');
  assert.equal(r.status, 200);
  assert.equal(r.body.length, 0);
  assert.equal(Number(r.headers['content-length']), Buffer.byteLength(page));
});
