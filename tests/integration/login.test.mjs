// Login throttling and the login queue (docs/api.md: Request limits; docs/operations.md:
// Logins). Attackers and staff are told apart by their client address: requests are sent
// from distinct loopback source addresses (127.0.0.2, 127.0.0.3 …), which Linux routes to
// the server on 127.0.0.1.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, runTonari, makeDataDir, DEMO_TENANT, DEMO_PASSWORD } from './lib/server.mjs';
import { sleep } from './lib/client.mjs';
import { fileSetup, assertError } from './lib/util.mjs';

fileSetup({ watchdogMs: 180000 });

const T = { timeout: 60000 };
const FAST_HASH = '[security]\nargon2_opslimit = 1\nargon2_memlimit = 8192\n';

// POST /api/login from `address`, with an optional Cookie header. Resolves
// {status, headers, json, text, cookies: {name: value}}.
function loginFrom(server, { address = '127.0.0.1', tenant = DEMO_TENANT, login, password = DEMO_PASSWORD,
  token = false, device, cookie } = {}) {
  const body = JSON.stringify({ tenant, login, password, token, ...(device ? { device } : {}) });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1', port: server.port, method: 'POST', path: '/api/login', localAddress: address,
      agent: false,
      headers: {
        'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
        ...(cookie ? { Cookie: cookie } : {}),
      },
    });
    req.setTimeout(30000, () => req.destroy(new Error('login request timed out')));
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        const cookies = {};
        for (const c of res.headers['set-cookie'] || []) {
          const m = /^([^=]+)=([^;]*)/.exec(c);
          if (m) cookies[m[1]] = { value: m[2], raw: c };
        }
        resolve({ status: res.statusCode, headers: res.headers, json, text, cookies });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// A 429 or 503 with its wait in Retry-After (whole seconds) and in the body.
function assertRetry(r, status, code, ctx) {
  const err = assertError(r, status, code, ctx);
  assert.equal(typeof err.retry_after_ms, 'number', `retry_after_ms (${ctx}): ${r.text}`);
  assert.ok(err.retry_after_ms >= 1, `retry_after_ms >= 1 (${ctx}): ${r.text}`);
  assert.equal(r.headers['retry-after'], String(Math.ceil(err.retry_after_ms / 1000)),
    `Retry-After is retry_after_ms in whole seconds (${ctx})`);
  return err;
}

// A fresh data directory with a config file `text`: [dataDir, file].
function configured(text) {
  const dataDir = makeDataDir();
  const file = path.join(dataDir, 'login-test.toml');
  fs.writeFileSync(file, text);
  return [dataDir, file];
}

let srv;   // the default policy (delays from 1 s)
let hold;  // delays from 30 s: a throttle outlasts the test that looks at it
before(async () => {
  // Cheap password hashing: the spray below must not fill the verification queue.
  const [dir1, file1] = configured(FAST_HASH);
  srv = await startServer({ demo: true, dataDir: dir1, extraArgs: ['--config', file1] });
  const [dir2, file2] = configured(`${FAST_HASH}[login]\nfirst_delay_ms = 30000\n`);
  hold = await startServer({ demo: true, dataDir: dir2, extraArgs: ['--config', file2] });
});

test('a known device logs in although 250 bad logins from its address delayed everyone else there', T, async () => {
  // tanaka's browser logged in before: it holds the known-device cookie.
  const first = await loginFrom(hold, { login: 'tanaka' });
  assert.equal(first.status, 200, first.text);
  const dev = first.cookies.tonari_device;
  assert.ok(dev && dev.value, `a tonari_device cookie is set: ${JSON.stringify(first.headers['set-cookie'])}`);
  assert.match(dev.raw, /HttpOnly/);
  assert.match(dev.raw, /SameSite=Strict/);
  assert.match(dev.raw, /Path=\//);
  assert.match(dev.raw, /Max-Age=\d{6,}/);

  // Someone at the same address (the city hall's proxy) sprays 50 login ids, known and
  // unknown, tanaka among them, 5 passwords each.
  const ids = ['tanaka', 'sato', 'suzuki', 'ito', ...Array.from({ length: 46 }, (_, i) => `nobody${i}`)];
  const statuses = { 401: 0, 429: 0 };
  let refusedKnown;
  let refusedUnknown;
  for (let round = 0; round < 5; round++) {
    const batch = await Promise.all(ids.map((id) => loginFrom(hold, { login: id, password: `guess-${round}` })));
    batch.forEach((r, i) => {
      assert.ok(r.status === 401 || r.status === 429, `bad login → 401 or 429, got ${r.status}: ${r.text}`);
      statuses[r.status] += 1;
      if (r.status === 429) {
        assertRetry(r, 429, 'rate_limited', `spray ${ids[i]}`);
        if (ids[i] === 'sato') refusedKnown = r;
        if (ids[i] === 'nobody7') refusedUnknown = r;
      }
    });
  }
  assert.ok(statuses[429] > 0, `the spray was throttled: ${JSON.stringify(statuses)}`);
  // At most the address's free failures (100) were checked, and a batch in flight.
  assert.ok(statuses[401] <= 150, `the address's budget held: ${JSON.stringify(statuses)}`);

  // Known and unknown login ids are refused alike.
  assert.ok(refusedKnown && refusedUnknown, 'both a known and an unknown id were refused');
  assert.deepEqual(Object.keys(refusedKnown.json.error).sort(), Object.keys(refusedUnknown.json.error).sort());
  assert.equal(refusedKnown.json.error.message.replace(/\d+/g, 'N'), refusedUnknown.json.error.message.replace(/\d+/g, 'N'));

  // sato, at the same address without a known device, is held too: the throttle cannot
  // tell her from the attacker (docs/operations.md). tanaka's browser gets in.
  assertRetry(await loginFrom(hold, { login: 'sato' }), 429, 'rate_limited', 'sato, no known device');
  const back = await loginFrom(hold, { login: 'tanaka', cookie: `tonari_device=${dev.value}` });
  assert.equal(back.status, 200, `tanaka with the known-device cookie: ${back.text}`);
  // A script presents its device token in the body instead (token: true returns one).
  const bot = await loginFrom(hold, { login: 'tanaka', token: true, cookie: `tonari_device=${dev.value}` });
  assert.equal(bot.status, 200, bot.text);
  assert.ok(bot.json.device_token, 'token logins return a device_token');
  const bot2 = await loginFrom(hold, { login: 'tanaka', token: true, device: bot.json.device_token });
  assert.equal(bot2.status, 200, bot2.text);
  // The cookie is good for tanaka only.
  assertRetry(await loginFrom(hold, { login: 'sato', cookie: `tonari_device=${dev.value}` }), 429, 'rate_limited',
    "sato with tanaka's device cookie");
  // Another address is not affected at all.
  assert.equal((await loginFrom(hold, { address: '127.0.0.2', login: 'sato' })).status, 200);
});

test('hammering a login id from one address does not keep its owner out from another', T, async () => {
  let throttled = 0;
  for (let i = 0; i < 200; i++) {
    const r = await loginFrom(hold, { address: '127.0.0.3', login: 'suzuki', password: `wrong-${i}` });
    if (r.status === 429) throttled += 1;
    else assert.equal(r.status, 401, r.text);
  }
  assert.ok(throttled >= 190, `most of the 200 were refused unchecked: ${throttled}`);
  // The real suzuki, from her own desk, with no known device.
  const real = await loginFrom(hold, { address: '127.0.0.4', login: 'suzuki' });
  assert.equal(real.status, 200, `suzuki from another address: ${real.text}`);
  // From the attacker's address even the right password waits.
  assertRetry(await loginFrom(hold, { address: '127.0.0.3', login: 'suzuki' }), 429, 'rate_limited', 'attacker address');
});

test('the delay grows; the right password is refused during it and accepted after', T, async () => {
  const from = { address: '127.0.0.5', login: 'ito' };
  for (let i = 1; i <= 5; i++) {
    assertError(await loginFrom(srv, { ...from, password: `wrong-${i}` }), 401, 'unauthenticated', `failure ${i}`);
  }
  const first = assertRetry(await loginFrom(srv, { ...from, password: 'wrong-6' }), 429, 'rate_limited', 'after 5');
  assert.ok(first.retry_after_ms <= 1000, `first delay about 1 s: ${first.retry_after_ms}`);
  await sleep(first.retry_after_ms + 50);
  assertError(await loginFrom(srv, { ...from, password: 'wrong-6' }), 401, 'unauthenticated', 'after the first delay');
  const second = assertRetry(await loginFrom(srv, { ...from }), 429, 'rate_limited', 'right password during the delay');
  assert.ok(second.retry_after_ms > 1000 && second.retry_after_ms <= 2000, `second delay about 2 s: ${second.retry_after_ms}`);
  await sleep(second.retry_after_ms + 50);
  const ok = await loginFrom(srv, { ...from });
  assert.equal(ok.status, 200, `right password after the delay: ${ok.text}`);
  // The success cleared the pair: a typo is just a 401 again.
  assertError(await loginFrom(srv, { ...from, password: 'typo' }), 401, 'unauthenticated', 'after success');
});

test('log lines: login.ok, login.failed and login.throttled, never a password', T, async () => {
  const lines = [...hold.logLines(), ...srv.logLines()];
  const ok = lines.find((l) => l.event === 'login.ok' && l.login === 'tanaka');
  assert.ok(ok, 'login.ok for tanaka');
  assert.equal(ok.level, 'info');
  assert.equal(ok.tenant, DEMO_TENANT);
  assert.equal(typeof ok.user, 'number');
  assert.equal(ok.address, '127.0.0.1');
  const failed = lines.filter((l) => l.event === 'login.failed');
  const bad = failed.find((l) => l.login === 'ito' && l.address === '127.0.0.5');
  assert.ok(bad, 'login.failed for ito');
  assert.equal(bad.reason, 'bad_password');
  const unknown = failed.find((l) => l.login === 'nobody7');
  assert.ok(unknown, 'login.failed for an unknown login id');
  assert.equal(unknown.reason, 'unknown_login');
  const throttled = lines.filter((l) => l.event === 'login.throttled');
  assert.ok(throttled.some((l) => l.scope === 'address' && l.address === '127.0.0.1'), 'an address throttle');
  const pair = throttled.find((l) => l.scope === 'pair' && l.login === 'suzuki' && l.address === '127.0.0.3');
  assert.ok(pair, 'a pair throttle');
  assert.equal(pair.level, 'warn');
  assert.equal(pair.tenant, DEMO_TENANT);
  assert.ok(pair.retry_ms > 0);
  const all = hold.stderr + srv.stderr;
  for (const secret of [DEMO_PASSWORD, 'guess-0', 'wrong-6', 'typo']) {
    assert.ok(!all.includes(secret), `the log never holds a password (${secret})`);
  }
});

test('a burst of 300 logins all succeed: they queue for the password check', { timeout: 120000 }, async () => {
  const [dataDir, cfg] = configured(FAST_HASH);
  const csv = path.join(dataDir, 'staff.csv');
  const rows = ['login,name,reading,department,title,password'];
  for (let i = 0; i < 300; i++) rows.push(`s${i},職員 ${i},しょくいん ${i},,,pass-${i}-word`);
  fs.writeFileSync(csv, rows.join('\n') + '\n');
  const made = await runTonari(['admin', 'create-tenant', '--data', dataDir, '--code', '990001', '--name', 'ラッシュ市']);
  assert.equal(made.code, 0, made.stderr);
  const imported = await runTonari(['admin', '--config', cfg, 'import-users', '--data', dataDir, '--tenant', '990001',
    '--csv', csv], { timeoutMs: 60000 });
  assert.equal(imported.code, 0, imported.stderr);
  const s = await startServer({ demo: false, dataDir, extraArgs: ['--config', cfg] });
  const results = await Promise.all(Array.from({ length: 300 }, (_, i) =>
    loginFrom(s, { tenant: '990001', login: `s${i}`, password: `pass-${i}-word`, token: true })));
  const refused = results.filter((r) => r.status !== 200);
  assert.equal(refused.length, 0, `refused: ${refused.slice(0, 3).map((r) => `${r.status} ${r.text}`).join('; ')}`);
  await s.stop();
});

test('beyond the queue: 503 unavailable with Retry-After, and nothing lost', { timeout: 120000 }, async () => {
  // One verifier and no queue: a login that arrives while another is being checked is
  // told to come back.
  const [dataDir, file] = configured('[login]\nverifiers = 1\nqueue = 0\n');
  const s = await startServer({ demo: true, dataDir, extraArgs: ['--config', file] });
  const ids = ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe'];
  const logins = ids.flatMap((id) => [1, 2].map((n) => ({ login: id, address: `127.0.1.${n}` })));
  const first = await Promise.all(logins.map((l) => loginFrom(s, l)));
  const busy = first.filter((r) => r.status === 503);
  for (const r of first) assert.ok(r.status === 200 || r.status === 503, `${r.status}: ${r.text}`);
  assert.ok(busy.length > 0, '14 logins at once with no queue: some were told to come back');
  for (const r of busy) assertRetry(r, 503, 'unavailable', 'busy');
  const lines = s.logLines().filter((l) => l.event === 'login.busy');
  assert.equal(lines.length, busy.length, 'one login.busy line per refusal');
  // Retried one at a time, every one of them gets in.
  for (const [i, r] of first.entries()) {
    if (r.status === 503) assert.equal((await loginFrom(s, logins[i])).status, 200);
  }
  await s.stop();
});

test('a bad [login] setting stops start-up with a message naming it', T, async () => {
  const [dataDir, file] = configured('[login]\nverifiers = 0\n');
  const r = await runTonari(['serve', '--config', file, '--data', dataDir, '--listen', '127.0.0.1:0'], { timeoutMs: 20000 });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /login\.verifiers must be an integer from 1 to 256/);
});

test('the known-device key is made once, readable by the server alone, and outlives a restart', T, async () => {
  const key = path.join(hold.dataDir, 'device.key');
  const st = fs.statSync(key);
  assert.equal(st.mode & 0o777, 0o600, `device.key mode ${(st.mode & 0o777).toString(8)}`);
  assert.ok(fs.readFileSync(key, 'utf8').length >= 32);
  // A token issued before a restart is still a known device after it.
  const first = await loginFrom(srv, { address: '127.0.0.9', login: 'watanabe', token: true });
  assert.equal(first.status, 200, first.text);
  await srv.restart();
  for (let i = 0; i < 5; i++) {
    assertError(await loginFrom(srv, { address: '127.0.0.9', login: 'watanabe', password: `no-${i}` }), 401, 'unauthenticated');
  }
  // The pair is now delayed; the device is not.
  assertRetry(await loginFrom(srv, { address: '127.0.0.9', login: 'watanabe' }), 429, 'rate_limited', 'pair');
  const again = await loginFrom(srv, { address: '127.0.0.9', login: 'watanabe', token: true, device: first.json.device_token });
  assert.equal(again.status, 200, again.text);
});
