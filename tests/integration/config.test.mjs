// Configuration and listeners: a TOML file with two listeners in different zones, flags
// overriding the file, and a malformed file refused at start-up with a clear message.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TONARI_BIN, makeDataDir } from './lib/server.mjs';

const children = new Set();
after(() => { for (const c of children) c.kill('SIGKILL'); });

// Starts tonari with `args`; resolves with the listener lines once it is ready, or with
// the exit code and stderr if it exits first. Bounded by 20 s.
function run(args) {
  return new Promise((resolve, reject) => {
    const proc = spawn(TONARI_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(proc);
    let out = '';
    let err = '';
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`no answer: ${out}${err}`)); }, 20000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (/^tonari ready$/m.test(out)) {
        clearTimeout(timer);
        const listeners = [...out.matchAll(/^tonari listening on http:\/\/127\.0\.0\.1:(\d+) zone=(\w+)$/gm)]
          .map((m) => ({ port: Number(m[1]), zone: m[2] }));
        resolve({ proc, listeners });
      }
    });
    proc.stderr.on('data', (d) => { err += d; });
    // 'close', not 'exit': only then has all of stderr been read.
    proc.on('close', (code) => { clearTimeout(timer); children.delete(proc); resolve({ code, stderr: err, listeners: [] }); });
  });
}

test('a TOML file with two listeners serves both, each with its zone', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const file = join(dir, 'tonari.toml');
  writeFileSync(file, `data = "${dir}"\n[[listen]]\naddress = "127.0.0.1"\nport = 0\nzone = "lgwan"\n` +
    `[[listen]]\naddress = "127.0.0.1"\nport = 0\nzone = "internet"\n`);
  const { proc, listeners } = await run(['serve', '--config', file]);
  try {
    assert.deepEqual(listeners.map((l) => l.zone), ['lgwan', 'internet']);
    assert.notEqual(listeners[0].port, listeners[1].port);
    for (const l of listeners) {
      const res = await fetch(`http://127.0.0.1:${l.port}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
    }
    // Metrics are for the internal network only.
    const lgwan = await fetch(`http://127.0.0.1:${listeners[0].port}/metrics`);
    assert.equal(lgwan.status, 200);
    assert.match(await lgwan.text(), /^tonari_store_commits_total \d+$/m);
    const internet = await fetch(`http://127.0.0.1:${listeners[1].port}/metrics`);
    assert.equal(internet.status, 404);
    assert.equal((await internet.json()).error.code, 'not_found');
  } finally {
    proc.kill('SIGTERM');
  }
});

test('--listen flags replace the listeners of the file', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const file = join(dir, 'tonari.toml');
  writeFileSync(file, `[[listen]]\naddress = "127.0.0.1"\nport = 1\nzone = "internet"\n`);
  const { proc, listeners } = await run(['serve', '--config', file, '--data', dir,
    '--listen', '127.0.0.1:0', '--listen', '127.0.0.1:0']);
  try {
    assert.equal(listeners.length, 2);
    assert.deepEqual(listeners.map((l) => l.zone), ['lgwan', 'lgwan']);
  } finally {
    proc.kill('SIGTERM');
  }
});

test('--listen-internet adds an Internet-zone listener (make run: 8080 LGWAN, 8081 Internet)', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const { proc, listeners } = await run(['serve', '--data', dir, '--demo',
    '--listen', '127.0.0.1:0', '--listen-internet', '127.0.0.1:0']);
  try {
    assert.deepEqual(listeners.map((l) => l.zone), ['lgwan', 'internet']);
    // Each listener tells a logged-in client its zone.
    for (const l of listeners) {
      const base = `http://127.0.0.1:${l.port}`;
      const res = await fetch(`${base}/api/login`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', Origin: base },
        body: JSON.stringify({ tenant: '999001', login: 'tanaka', password: 'sakura-demo', token: true }),
      });
      assert.equal(res.status, 200);
      const { token } = await res.json();
      const me = await fetch(`${base}/api/me`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal((await me.json()).zone, l.zone);
    }
  } finally {
    proc.kill('SIGTERM');
  }
  const r = await run(['serve', '--data', makeDataDir(), '--listen-internet', 'nonsense']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--listen-internet nonsense/);
});

test('a malformed configuration file stops start-up with a message naming the file', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const file = join(dir, 'broken.toml');
  writeFileSync(file, 'threads = = 2\n');
  const r = await run(['serve', '--config', file, '--data', dir, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken\.toml/);
});

test('a malformed --listen is refused', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const r = await run(['serve', '--data', dir, '--listen', 'nonsense']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--listen nonsense/);
});

test('the sample configuration in packaging/ is accepted as it is', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const file = fileURLToPath(new URL('../../packaging/tonari.toml', import.meta.url));
  // Its paths are the installed ones: the data directory and listener are overridden.
  const { proc, listeners, code, stderr } = await run(['serve', '--config', file, '--data', dir,
    '--listen', '127.0.0.1:0']);
  assert.ok(proc, `tonari refused packaging/tonari.toml (exit ${code}): ${stderr}`);
  try {
    assert.equal(listeners.length, 1);
    const res = await fetch(`http://127.0.0.1:${listeners[0].port}/healthz`);
    assert.equal(res.status, 200);
  } finally {
    proc.kill('SIGTERM');
  }
});

test('store.synchronous takes one of its four modes, and nothing else', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  for (const value of ['NORMAL; PRAGMA user_version=99', 'fast', '']) {
    const file = join(dir, 'sync.toml');
    writeFileSync(file, `[store]\nsynchronous = ${JSON.stringify(value)}\n`);
    const r = await run(['serve', '--config', file, '--data', dir, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2, `synchronous = ${JSON.stringify(value)} is refused`);
    assert.match(r.stderr, /store\.synchronous must be OFF, NORMAL, FULL or EXTRA/);
  }
  const file = join(dir, 'sync.toml');
  writeFileSync(file, '[store]\nsynchronous = "normal"\n');
  const { proc, listeners } = await run(['serve', '--config', file, '--data', dir, '--listen', '127.0.0.1:0']);
  try {
    assert.equal(listeners.length, 1, 'a mode in lower case is taken');
  } finally {
    proc.kill('SIGTERM');
  }
});

test('a message bucket smaller than one message is refused at start-up', { timeout: 30000 }, async () => {
  const dir = makeDataDir();
  const file = join(dir, 'burst.toml');
  writeFileSync(file, '[limits]\nmessage_burst = 0.5\nmessages_per_second = 5\n');
  const r = await run(['serve', '--config', file, '--data', dir, '--listen', '127.0.0.1:0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /limits\.message_burst must be at least 1/);
});
