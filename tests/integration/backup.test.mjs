// Issue 17, org slice: `tonari admin backup` while a client writes, `tonari admin restore`
// into a new directory, a server started on it — every message acknowledged before the
// backup started is there, with the data directory's other files. Restore's refusals.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, runTonari, startServer, cleanupAll, installWatchdog } from './lib/server.mjs';
import { login } from './lib/client.mjs';

installWatchdog(150000);
after(cleanupAll);

async function history(client, room) {
  const out = [];
  for (let after = 0; ;) {
    const page = await client.ok('GET', `/api/rooms/${room}/messages?after=${after}&limit=200`);
    out.push(...page.messages);
    if (page.messages.length === 0 || !page.has_more) return out;
    after = page.messages.at(-1).seq;
  }
}

test('a backup taken while a client writes holds every message acknowledged before it', { timeout: 120000 }, async () => {
  // No message rate: the writer posts as fast as it is acknowledged.
  const conf = join(makeDataDir('tonari-conf-'), 'limits.toml');
  writeFileSync(conf, '[limits]\nmessages_per_second = 0\n');
  const srv = await startServer({ demo: true, extraArgs: ['--config', conf] });
  // Another file of the installation (as a key file would be): carried by the backup.
  writeFileSync(join(srv.dataDir, 'device.key'), 'k'.repeat(32), { mode: 0o600 });
  const writer = await login(srv, 'tanaka.y', { token: true });
  const reader = await login(srv, 'yamaguchi', { token: true });
  const { room } = await writer.ok('POST', '/api/rooms', { name: 'バックアップ中の部屋', members: [reader.id] }, 201);
  const ws = await writer.ws();

  // A writer keeping 8 sends in flight, at most 5,000 in all, until told to stop.
  const acked = [];
  let stop = false;
  let sent = 0;
  const workers = Array.from({ length: 8 }, async () => {
    while (!stop && sent < 5000) {
      const n = ++sent;
      const k = ws.sendMessage(room.id, `送信 ${n}`);
      const a = await ws.ack(k, 20000);
      assert.equal(a.type, 'ack', JSON.stringify(a));
      acked.push({ seq: a.seq, id: a.id, body: `送信 ${n}` });
    }
  });
  while (acked.length < 100) await new Promise((r) => setTimeout(r, 10));

  const before = acked.slice();  // every ack received before the backup starts
  const file = join(makeDataDir('tonari-bk-'), 'tonari-backup.db');
  const b = await runTonari(['admin', 'backup', '--data', srv.dataDir, '--to', file], { timeoutMs: 60000 });
  stop = true;
  await Promise.all(workers);
  assert.equal(b.code, 0, b.stderr);
  assert.match(b.stdout, /backed up .* to .*tonari-backup\.db/);
  assert.match(b.stdout, /schema version \d+, \d+ bytes/);
  assert.match(b.stdout, /\d+ messages/);
  assert.match(b.stdout, /files: device\.key/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.ok(!readdirSync(join(file, '..')).some((n) => n.includes('.tmp-')), 'no temporary file left');

  // Restore needs the directory free: refused while the server runs on it.
  const busy = await runTonari(['admin', 'restore', '--from', file, '--data', srv.dataDir, '--force']);
  assert.equal(busy.code, 2);
  assert.match(busy.stderr, /in use by a running tonari/);

  const dir = makeDataDir('tonari-restored-');
  const r = await runTonari(['admin', 'restore', '--from', file, '--data', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /restored .* into /);
  assert.equal(readFileSync(join(dir, 'device.key'), 'utf8'), 'k'.repeat(32));
  assert.equal(statSync(join(dir, 'device.key')).mode & 0o777, 0o600);
  await srv.stop();

  const restored = await startServer({ dataDir: dir, demo: false });
  const again = await login(restored, 'yamaguchi', { token: true });
  const msgs = await history(again, room.id);
  const bySeq = new Map(msgs.map((m) => [m.seq, m]));
  for (const a of before) {
    const m = bySeq.get(a.seq);
    assert.ok(m, `message seq ${a.seq} acknowledged before the backup is missing`);
    assert.equal(m.id, a.id);
    assert.equal(m.body, a.body);
  }
  // Gapless: the backup is one snapshot, not a mix.
  assert.deepEqual(msgs.map((m) => m.seq), msgs.map((_, i) => i + 1));
  // The restored server takes new messages after them.
  const more = await again.ok('POST', `/api/rooms/${room.id}/messages`, { client_id: 'after-restore', body: '復元後' }, 201);
  assert.equal(more.message.seq, msgs.length + 1);
});

test('restore refuses what is not a backup and a directory with data unless --force', { timeout: 90000 }, async () => {
  const srv = await startServer({ demo: true });
  const bkDir = makeDataDir('tonari-bk-');
  const file = join(bkDir, 'b.db');
  assert.equal((await runTonari(['admin', 'backup', '--data', srv.dataDir, '--to', file])).code, 0);
  await srv.stop();

  const junk = join(bkDir, 'junk.db');
  writeFileSync(junk, 'これはバックアップではありません'.repeat(100));
  const bad = await runTonari(['admin', 'restore', '--from', junk, '--data', makeDataDir()]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /not a tonari backup/);
  const missing = await runTonari(['admin', 'restore', '--from', join(bkDir, 'none.db'), '--data', makeDataDir()]);
  assert.equal(missing.code, 2);

  // Over the server's own (stopped) directory: only with --force, the old files kept aside.
  const refused = await runTonari(['admin', 'restore', '--from', file, '--data', srv.dataDir]);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /already holds a database; --force/);
  const forced = await runTonari(['admin', 'restore', '--from', file, '--data', srv.dataDir, '--force']);
  assert.equal(forced.code, 0, forced.stderr);
  const aside = readdirSync(srv.dataDir).filter((n) => n.startsWith('replaced-'));
  assert.equal(aside.length, 1);
  assert.ok(existsSync(join(srv.dataDir, aside[0], 'tonari.db')));
  await srv.start();
  assert.equal((await srv.fetch('/healthz')).status, 200);
});
