// The edge: request ids, the client's address behind trusted proxies (and only them),
// security headers on every response, the session cookie over https, error bodies that
// stay valid UTF-8 whatever the request held, WebSocket handshakes refused as JSON, a first
// frame sent with the upgrade request, and the log lines of all of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, makeDataDir, runTonari } from './lib/server.mjs';
import { login, loginRaw, rawFetch, sessionCookieFrom } from './lib/client.mjs';
import { fileSetup, createGroup } from './lib/util.mjs';

fileSetup({ watchdogMs: 150000 });
const T = { timeout: 60000 };

let plain;    // no trusted proxies, http
let proxied;  // 127.0.0.1 and ::1 are trusted proxies
let rfc7239;  // the same, reading the Forwarded header instead of X-Forwarded-For
let https;    // public_https (under its older name, cookie_secure)

function config(text) {
  const dir = makeDataDir('tonari-conf-');
  const file = join(dir, 'tonari.toml');
  writeFileSync(file, text);
  return file;
}

before(async () => {
  const web = makeDataDir('tonari-web-');
  mkdirSync(join(web, 'assets'));
  writeFileSync(join(web, 'index.html'), '<!doctype html><title>tonari</title><script type="module" src="/assets/app-1.js"></script>');
  writeFileSync(join(web, 'assets', 'app-1.js'), 'console.log("tonari");');
  const debug = ['--log-level', 'debug', '--web', web];
  // No message rate here: the slow-consumer test posts far faster than a person.
  plain = await startServer({ extraArgs: [...debug, '--config', config('[limits]\nmessages_per_second = 0\n')] });
  proxied = await startServer({
    extraArgs: [...debug, '--config', config('[security]\ntrusted_proxies = ["127.0.0.1/32", "::1/128"]\n')],
  });
  rfc7239 = await startServer({
    extraArgs: [...debug, '--config', config('[security]\ntrusted_proxies = ["127.0.0.1/32", "::1/128"]\nforwarded_header = "Forwarded"\n')],
  });
  https = await startServer({ extraArgs: [...debug, '--config', config('[security]\ncookie_secure = true\n')] });
});

// Sends `bytes` on a fresh connection and collects everything until the server closes it
// (or `until(buffer)` holds). Resolves with the raw bytes.
function rawExchange(srv, bytes, { until } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(srv.port, '127.0.0.1');
    const chunks = [];
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('raw exchange: timeout: ' + Buffer.concat(chunks).toString('latin1').slice(0, 600))); }, 10000);
    const done = () => { clearTimeout(timer); sock.destroy(); resolve(Buffer.concat(chunks)); };
    sock.on('data', (d) => {
      chunks.push(d);
      if (until && until(Buffer.concat(chunks))) done();
    });
    sock.on('end', done);
    sock.on('close', done);
    sock.on('error', (e) => { if (e.code === 'ECONNRESET') done(); else { clearTimeout(timer); reject(e); } });
    sock.write(bytes);
  });
}

// The status, headers (lower-case names) and body bytes of a raw HTTP/1.1 response.
function parseResponse(buf) {
  const end = buf.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no HTTP response: ${buf.toString('latin1').slice(0, 200)}`);
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  let body = buf.subarray(end + 4);
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body };
}

async function rawRequest(srv, head, body = '') {
  const bytes = Buffer.concat([Buffer.from(head, 'latin1'), Buffer.from(body)]);
  return parseResponse(await rawExchange(srv, bytes, {
    until: (b) => {
      const e = b.indexOf('\r\n\r\n');
      if (e < 0) return false;
      const m = /content-length:\s*(\d+)/i.exec(b.subarray(0, e).toString('latin1'));
      return m && b.length >= e + 4 + Number(m[1]);
    },
  }));
}

// A JSON error body that is valid UTF-8 (a fatal decoder throws on anything else).
function jsonError(body) {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  const j = JSON.parse(text);
  assert.equal(typeof j.error.code, 'string');
  assert.equal(typeof j.error.message, 'string');
  return j.error;
}

function assertSecurityHeaders(h, what, { hsts = false } = {}) {
  const get = (k) => (typeof h.get === 'function' ? h.get(k) : h[k]);
  const csp = get('content-security-policy');
  assert.ok(csp, `${what}: Content-Security-Policy`);
  for (const d of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data: blob:",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(d), `${what}: CSP has ${d}: ${csp}`);
  }
  assert.match(csp, /connect-src 'self'/, what);
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${what}: ${csp}`);
  assert.equal(get('x-content-type-options'), 'nosniff', what);
  assert.equal(get('x-frame-options'), 'DENY', what);
  assert.equal(get('referrer-policy'), 'same-origin', what);
  assert.equal(get('cross-origin-opener-policy'), 'same-origin', what);
  assert.match(get('x-request-id') || '', /^[0-9a-z]{14}$/, `${what}: X-Request-Id`);
  if (hsts) assert.match(get('strict-transport-security') || '', /^max-age=\d+/, what);
  else assert.equal(get('strict-transport-security') ?? undefined, undefined, `${what}: no HSTS over http`);
}

test('security headers and a request id on pages, assets, API answers and every error', T, async () => {
  const bot = await login(plain, 'tanaka', { token: true });
  const auth = { Authorization: `Bearer ${bot.token}` };
  const page = await rawFetch(plain, 'GET', '/');
  assert.equal(page.status, 200);
  assertSecurityHeaders(page.headers, '/');
  assert.ok(page.headers.get('content-security-policy').includes(`ws://127.0.0.1:${plain.port}`),
    'the WebSocket of the same origin is allowed by name too');
  assertSecurityHeaders((await rawFetch(plain, 'GET', '/assets/app-1.js')).headers, 'asset');
  const me = await rawFetch(plain, 'GET', '/api/me', { headers: auth });
  assert.equal(me.status, 200);
  assertSecurityHeaders(me.headers, '/api/me');
  const nope = await rawFetch(plain, 'GET', '/api/nope');
  assert.equal(nope.status, 404);
  assertSecurityHeaders(nope.headers, '404');
  const wrongMethod = await rawFetch(plain, 'DELETE', '/api/me', { headers: auth });
  assert.equal(wrongMethod.status, 405);
  assertSecurityHeaders(wrongMethod.headers, '405');
  const unauth = await rawFetch(plain, 'GET', '/api/rooms');
  assert.equal(unauth.status, 401);
  assertSecurityHeaders(unauth.headers, '401');

  const big = 'x'.repeat((1 << 20) + 10);
  const tooLarge = await rawRequest(plain,
    `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`, big);
  assert.equal(tooLarge.status, 413);
  assert.equal(jsonError(tooLarge.body).code, 'payload_too_large');
  assertSecurityHeaders(tooLarge.headers, '413');

  const ids = new Set([page, me, nope, wrongMethod, unauth].map((r) => r.headers.get('x-request-id')));
  assert.equal(ids.size, 5, 'each request its own id');
});

test('headers over the limit: 431 request_header_too_large, with the usual headers', T, async () => {
  const r = await rawRequest(plain, `GET /api/me HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'y'.repeat(17 * 1024)}\r\n\r\n`);
  assert.equal(r.status, 431);
  assert.equal(jsonError(r.body).code, 'request_header_too_large');
  assertSecurityHeaders(r.headers, '431');
});

test('error bodies stay valid UTF-8 whatever bytes the request held', T, async () => {
  const bot = await login(plain, 'tanaka', { token: true });
  const cases = [
    ['GET /api/%ff HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 404],
    ['DELETE /api/%ff%fe/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 404],
    [`GET /api/rooms/%ff/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bot.token}\r\n\r\n`, 404],
    [`GET /api/users/%c3%28 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${bot.token}\r\n\r\n`, 404],
    ['GET /assets/%ff.js HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 404],
  ];
  for (const [head, status] of cases) {
    const r = await rawRequest(plain, head);
    assert.equal(r.status, status, head);
    jsonError(r.body);
  }
  const body = JSON.stringify({ tenant: '999001', login: 'tanaka', password: 'x' });
  const origin = await rawRequest(plain,
    `POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: \xff\xfe\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`, body);
  assert.equal(origin.status, 403);
  const e = jsonError(origin.body);
  assert.equal(e.code, 'csrf_failed');
  assert.ok(e.message.includes('\uFFFD'), e.message);
});

test('request ids: generated, or a sane one taken from a trusted proxy only', T, async () => {
  const a = await rawFetch(plain, 'GET', '/healthz', { headers: { 'X-Request-Id': 'from-client-1' } });
  assert.notEqual(a.headers.get('x-request-id'), 'from-client-1', 'an untrusted peer cannot name the id');
  const b = await rawFetch(proxied, 'GET', '/healthz', { headers: { 'X-Request-Id': 'proxy-abc.123' } });
  assert.equal(b.headers.get('x-request-id'), 'proxy-abc.123');
  const c = await rawFetch(proxied, 'GET', '/healthz', { headers: { 'X-Request-Id': 'not sane;' } });
  assert.match(c.headers.get('x-request-id'), /^[0-9a-z]{14}$/);
  const line = await proxied.waitForLog((l) => l.event === 'http.request' && l.request_id === 'proxy-abc.123');
  assert.equal(line.path, '/healthz');
  assert.equal(line.status, 200);
});

// The client address the server decided for a request, from its access log line.
async function clientOf(srv, headers) {
  const r = await rawFetch(srv, 'GET', '/healthz', { headers });
  assert.equal(r.status, 200);
  const id = r.headers.get('x-request-id');
  const line = await srv.waitForLog((l) => l.event === 'http.request' && l.request_id === id);
  assert.equal(line.peer, '127.0.0.1');
  return line.client;
}

test('X-Forwarded-For and Forwarded: ignored from an untrusted peer, honoured from a trusted proxy', T, async () => {
  assert.equal(await clientOf(plain, { 'X-Forwarded-For': '198.51.100.7' }), '127.0.0.1');
  assert.equal(await clientOf(plain, { Forwarded: 'for=198.51.100.7' }), '127.0.0.1');

  assert.equal(await clientOf(proxied, {}), '127.0.0.1');
  assert.equal(await clientOf(proxied, { 'X-Forwarded-For': '198.51.100.7' }), '198.51.100.7');
  // The right-most address that is not a proxy: what the client wrote itself comes first.
  assert.equal(await clientOf(proxied, { 'X-Forwarded-For': '6.6.6.6, 198.51.100.7, 127.0.0.1' }), '198.51.100.7');
  assert.equal(await clientOf(proxied, { 'X-Forwarded-For': '198.51.100.7:5555' }), '198.51.100.7');
  // Only the configured header (X-Forwarded-For by default): a client's own Forwarded header,
  // which a proxy that appends X-Forwarded-For passes through, is never read.
  assert.equal(await clientOf(proxied, { Forwarded: 'for="[2001:db8::7]:443";proto=https', 'X-Forwarded-For': '198.51.100.9' }), '198.51.100.9');
  assert.equal(await clientOf(proxied, { Forwarded: 'for=198.51.100.7' }), '127.0.0.1');
  assert.equal(await clientOf(rfc7239, { Forwarded: 'for="[2001:db8::7]:443";proto=https', 'X-Forwarded-For': '198.51.100.9' }), '2001:db8::7');
  assert.equal(await clientOf(rfc7239, { 'X-Forwarded-For': '198.51.100.9' }), '127.0.0.1');
  for (const garbage of ['garbage', '198.51.100.7, ', '[::1', '999.1.1.1']) {
    assert.equal(await clientOf(proxied, { 'X-Forwarded-For': garbage }), '127.0.0.1', garbage);
  }
  assert.equal(await clientOf(proxied, { Forwarded: 'for=unknown' }), '127.0.0.1');
});

test('the WebSocket upgrade gets the forwarded client address; closes are logged', T, async () => {
  const bot = await login(proxied, 'sato', { token: true });
  const ws = await bot.ws({ headers: { 'X-Forwarded-For': '198.51.100.8' } });
  ws.ws.close(4000, 'bye');
  await ws.closed;
  const line = await proxied.waitForLog((l) => l.event === 'ws.closed' && l.user === bot.id && l.code === 4000);
  assert.equal(line.level, 'info');
  assert.equal(line.client, '198.51.100.8');
  assert.equal(line.reason, 'bye');
  assert.equal(line.by, 'client');
  assert.ok(line.frames_in >= 1 && line.frames_out >= 2, JSON.stringify(line));
  assert.equal(typeof line.seconds, 'number');
  assert.match(line.request_id, /^[0-9a-z]{14}$/);
});

test('the session cookie: plain over http, __Host- and Secure with HSTS over https', T, async () => {
  const r = await loginRaw(plain, { login: 'tanaka' });
  assert.equal(r.status, 200);
  const c = sessionCookieFrom(r.headers);
  assert.ok(c && c.value, 'tonari_session over http');
  assert.ok(!/;\s*Secure/i.test(c.raw), c.raw);
  assertSecurityHeaders(r.headers, 'login over http');

  // public_https (here by its older name cookie_secure).
  const s = await loginRaw(https, { login: 'tanaka' });
  assert.equal(s.status, 200);
  assertSecurityHeaders(s.headers, 'login over https', { hsts: true });
  const raw = s.headers.getSetCookie().find((v) => v.startsWith('__Host-tonari_session='));
  assert.ok(raw, JSON.stringify(s.headers.getSetCookie()));
  assert.match(raw, /; Secure/);
  assert.match(raw, /; Path=\/(;|$)/);
  assert.match(raw, /; HttpOnly/);
  assert.match(raw, /; SameSite=Strict/);
  assert.ok(!/Domain=/i.test(raw), raw);
  const token = /^__Host-tonari_session=([^;]*)/.exec(raw)[1];
  const ok = await rawFetch(https, 'GET', '/api/me', { headers: { Cookie: `__Host-tonari_session=${token}` } });
  assert.equal(ok.status, 200);
  const unprefixed = await rawFetch(https, 'GET', '/api/me', { headers: { Cookie: `tonari_session=${token}` } });
  assert.equal(unprefixed.status, 401, 'over https only the __Host- cookie is read');
  assertSecurityHeaders(unprefixed.headers, '401 over https', { hsts: true });

  // Behind a trusted proxy, X-Forwarded-Proto says; from anyone else it is ignored.
  const viaProxy = await rawFetch(proxied, 'POST', '/api/login', {
    body: { tenant: '999001', login: 'tanaka', password: 'sakura-demo' }, headers: { 'X-Forwarded-Proto': 'https' },
  });
  assert.equal(viaProxy.status, 200);
  assert.ok(viaProxy.headers.getSetCookie().some((v) => v.startsWith('__Host-tonari_session=') && /; Secure/.test(v)));
  assertSecurityHeaders(viaProxy.headers, 'login via an https proxy', { hsts: true });
  const spoofed = await rawFetch(plain, 'POST', '/api/login', {
    body: { tenant: '999001', login: 'tanaka', password: 'sakura-demo' }, headers: { 'X-Forwarded-Proto': 'https' },
  });
  assert.ok(sessionCookieFrom(spoofed.headers), 'an untrusted peer cannot claim https');
  assertSecurityHeaders(spoofed.headers, 'login claiming https');
});

test('a trusted_proxies entry that is not a CIDR stops the server at start-up, naming it', T, async () => {
  for (const [value, says] of [['["10.0.0.0/33"]', '10.0.0.0/33'], ['["proxy.example"]', 'proxy.example'], ['"10.0.0.0/8"', 'list of strings']]) {
    const file = config(`[security]\ntrusted_proxies = ${value}\n`);
    const r = await runTonari(['serve', '--config', file, '--listen', '127.0.0.1:0', '--data', makeDataDir()]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes('trusted_proxies') && r.stderr.includes(says), r.stderr);
  }
});

function upgradeHead(srv, { version = '13', key = 'dGhlIHNhbXBsZSBub25jZQ==', token, host = true } = {}) {
  let h = 'GET /api/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n';
  if (host) h += `Host: 127.0.0.1:${srv.port}\r\n`;
  if (version !== null) h += `Sec-WebSocket-Version: ${version}\r\n`;
  if (key !== null) h += `Sec-WebSocket-Key: ${key}\r\n`;
  if (token) h += `Authorization: Bearer ${token}\r\n`;
  return h + '\r\n';
}

test('a bad WebSocket handshake is answered with the JSON error shape and the usual headers', T, async () => {
  const bot = await login(plain, 'ito', { token: true });
  for (const opts of [{ version: '8' }, { version: null }, { key: null }, { key: 'short' }, { host: false }]) {
    const r = await rawRequest(plain, upgradeHead(plain, { ...opts, token: bot.token }));
    assert.equal(r.status, 400, JSON.stringify(opts));
    assert.match(r.headers['content-type'], /^application\/json/);
    const e = jsonError(r.body);
    assert.equal(e.code, 'invalid_argument');
    assert.match(e.message, /WebSocket/);
    assert.equal(r.headers['sec-websocket-version'], '13');
    assertSecurityHeaders(r.headers, `handshake ${JSON.stringify(opts)}`);
  }
});

// A masked client text frame (RFC 6455 5.2), payload under 64 KiB.
function clientFrame(text) {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const head = payload.length < 126 ? Buffer.from([0x81, 0x80 | payload.length])
    : Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 255]);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([head, mask, masked]);
}

// The text of the unmasked server frames in `buf` (after the HTTP response), in order.
function serverFrames(buf) {
  const out = [];
  let i = 0;
  while (i + 2 <= buf.length) {
    let len = buf[i + 1] & 127;
    let off = i + 2;
    if (len === 126) { len = buf.readUInt16BE(off); off += 2; } else if (len === 127) { len = Number(buf.readBigUInt64BE(off)); off += 8; }
    if (off + len > buf.length) break;
    if ((buf[i] & 0x0f) === 1) out.push(buf.subarray(off, off + len).toString());
    i = off + len;
  }
  return out;
}

test('a first frame sent in the same packet as the upgrade request is not lost', T, async () => {
  const bot = await login(plain, 'suzuki', { token: true });
  const hello = clientFrame(JSON.stringify({ type: 'hello', cursors: {} }));
  const bytes = Buffer.concat([Buffer.from(upgradeHead(plain, { token: bot.token })), hello]);
  const buf = await rawExchange(plain, bytes, {
    until: (b) => {
      const e = b.indexOf('\r\n\r\n');
      return e > 0 && serverFrames(b.subarray(e + 4)).some((f) => JSON.parse(f).type === 'synced');
    },
  });
  const e = buf.indexOf('\r\n\r\n');
  assert.match(buf.subarray(0, e).toString(), /^HTTP\/1\.1 101/);
  const types = serverFrames(buf.subarray(e + 4)).map((f) => JSON.parse(f).type);
  assert.equal(types[0], 'welcome');
  assert.ok(types.includes('synced'), types.join(','));
});

test('a slow consumer closed with 4008 is logged as a warning, and its close too', { timeout: 90000 }, async () => {
  const tanaka = await login(plain, 'tanaka', { token: true });
  const sato = await login(plain, 'sato', { token: true });
  const room = (await createGroup(sato, '低速ログ', [tanaka.id])).id;
  const slow = await tanaka.ws({ label: 'tanaka-slow' });
  slow.ws._socket.pause();  // stop reading: the server's send queue fills up
  const wsS = await sato.ws();
  const big = 'あ'.repeat(9000);  // ~27 KB per frame; 400 frames ≈ 10.8 MB ≫ 1 MiB + socket buffers
  const items = [];
  for (let i = 0; i < 400; i++) items.push({ room, body: `${big}${i}` });
  const acks = await wsS.sendMany(items, { window: 16 });
  for (const a of acks) assert.equal(a.type, 'ack');
  const warn = await plain.waitForLog((l) => l.event === 'ws.slow_consumer' && l.user === tanaka.id, 20000);
  assert.equal(warn.level, 'warn');
  slow.ws._socket.resume();
  const closed = await plain.waitForLog((l) => l.event === 'ws.closed' && l.user === tanaka.id && l.code === 4008, 20000);
  assert.equal(closed.reason, 'slow_consumer');
  assert.equal(closed.by, 'server');
  await wsS.close();
});
