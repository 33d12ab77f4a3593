// Keepalive (docs/api.md, "Keepalive and slow consumers"): a silent connection whose peer
// answers pings stays open; one whose peer stops answering is dropped. The idle timeout is
// set to 6 s here ([limits] ws_idle_timeout_seconds), so the server sweeps every 3 s: wide
// enough that a pause of a busy machine is not taken for silence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, cid, WsConn } from './lib/client.mjs';
import { makeDataDir } from './lib/server.mjs';
import { fileSetup, demoServer, loginAll, createGroup, postMessage } from './lib/util.mjs';

fileSetup({ watchdogMs: 180000 });

let srv;
let U;

before(async () => {
  const dir = makeDataDir();
  const file = join(dir, 'keepalive.toml');
  // No per-user message rate: the long replays are posted by one user at once.
  writeFileSync(file, '[limits]\nws_idle_timeout_seconds = 6\nmessages_per_second = 0\n');
  srv = await demoServer({ dataDir: dir, extraArgs: ['--config', file] });
  U = await loginAll(srv, ['tanaka', 'sato']);
});

test('a silent peer that answers pings stays; one that does not is dropped', { timeout: 45000 }, async () => {
  const { tanaka, sato } = U;
  const R = (await createGroup(tanaka, 'キープアライブ', [sato.id])).id;
  const answering = await tanaka.ws({ label: 'answering' });
  const mute = await sato.ws({ label: 'mute', wsOptions: { autoPong: false } });
  let pings = 0;
  answering.ws.on('ping', () => { pings += 1; });
  let mutePings = 0;
  mute.ws.on('ping', () => { mutePings += 1; });

  // Pinged after one quiet sweep, dropped after the next: within 2 idle timeouts (12 s).
  let t;
  const closed = await Promise.race([mute.closed, new Promise((res) => { t = setTimeout(() => res(null), 20000); })]);
  clearTimeout(t);
  assert.ok(closed, 'the peer that never answers must be dropped');
  assert.equal(closed.code, 1006, 'dropped without a closing handshake, as a dead peer would be');
  assert.ok(mutePings >= 1, 'it was pinged before being dropped');

  // The answering peer, silent all along, is still there and still works.
  await sleep(4000);
  assert.equal(answering.closeInfo, null, 'a peer that answers pings stays open');
  assert.ok(pings >= 1, 'the silent peer was pinged');
  const id = cid('ka');
  answering.send({ type: 'send', room: R, client_id: id, body: 'まだ接続しています' });
  const ack = await answering.next((f) => f.type === 'ack' && f.client_id === id, 5000, 'ack');
  assert.ok(ack.seq >= 1);
  await answering.close();
});

test('a peer that keeps sending is never pinged', { timeout: 45000 }, async () => {
  const { tanaka } = U;
  const busy = await tanaka.ws({ label: 'busy' });
  let pings = 0;
  busy.ws.on('ping', () => { pings += 1; });
  const until = Date.now() + 10000;  // three sweeps or more
  while (Date.now() < until) {
    busy.send({ type: 'ping' });
    await busy.next((f) => f.type === 'pong', 5000, 'pong');
    await sleep(100);
  }
  assert.equal(pings, 0, 'frames from the peer count as activity');
  assert.equal(busy.closeInfo, null);
  await busy.close();
});

test('a peer that reads a long replay slowly, and sends nothing, is not dropped', { timeout: 120000 }, async () => {
  const { tanaka, sato } = U;
  const rooms = [await createGroup(tanaka, '長い再送 1', [sato.id]), await createGroup(tanaka, '長い再送 2', [sato.id])];
  const before = await sato.ws({ label: 'before' });
  const cursors = Object.fromEntries(rooms.map((r) => [r.id, before.cursors.get(r.id)]));
  await before.close();

  // 800 messages of 30 KB (24 MB) missed: far more than the socket buffers and the send
  // queue hold, so the replay runs as long as the peer takes to read it.
  const body = 'あ'.repeat(10000);
  for (const r of rooms) {
    for (let i = 0; i < 400; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => postMessage(tanaka, r.id, body)));
    }
  }

  // One chunk read every 60 ms: about 1 MB/s, so the replay takes far longer than the
  // keepalive's two sweeps (6 s). The peer answers pings as it reads them, and sends nothing.
  const slow = new WsConn(sato, { label: 'slow', cursors, waitSynced: false });
  await slow.open();
  let pings = 0;
  slow.ws.on('ping', () => { pings += 1; });
  const socket = slow.ws._socket;
  socket.on('data', () => {
    socket.pause();
    setTimeout(() => socket.resume(), 60);
  });
  await slow.next((f) => f.type === 'synced', 100000, 'synced', { consume: false });
  assert.equal(slow.closeInfo, null, 'a slow reader of a replay is not taken for a dead peer');
  assert.ok(pings >= 1, `the replay outlasted a sweep, so the peer was pinged (pings: ${pings})`);
  for (const r of rooms) assert.equal(slow.cursors.get(r.id), cursors[r.id] + 400, 'every missed event arrived');
  assert.deepEqual(slow.evErrors, []);
  await slow.close();
});

test('a peer that reads part of a long replay and then stops reading is dropped', { timeout: 120000 }, async () => {
  const { tanaka, sato } = U;
  const room = await createGroup(tanaka, '止まる読み手', [sato.id]);
  const before = await sato.ws({ label: 'before' });
  const cursor = before.cursors.get(room.id);
  await before.close();
  const body = 'う'.repeat(10000);
  for (let i = 0; i < 400; i += 25) {
    await Promise.all(Array.from({ length: 25 }, () => postMessage(tanaka, room.id, body)));
  }
  // 12 MB missed. Read for a moment, then never again (a frozen app whose TCP still
  // answers): what it acknowledges stops growing, so the keepalive drops it. A paused
  // client cannot see that, so the server's count of connections shows it.
  const open = async () => {
    const r = await fetch(`${srv.base}/metrics`);
    return Number(/^tonari_ws_connections (\d+)$/m.exec(await r.text())[1]);
  };
  // The count once the connections closed before this one have all gone.
  let baseline = await open();
  for (let n; (await sleep(300), n = await open()) !== baseline;) baseline = n;
  const stalled = new WsConn(sato, { label: 'stalled', cursors: { [room.id]: cursor }, waitSynced: false });
  await stalled.open();
  await sleep(100);
  stalled.ws._socket.pause();
  assert.equal(await open(), baseline + 1);
  const until = Date.now() + 40000;
  while (await open() > baseline && Date.now() < until) await sleep(500);
  assert.equal(await open(), baseline, 'a reader that stopped must be dropped');
  stalled.ws._socket.resume();
  assert.equal((await stalled.closed).code, 1006, 'without a closing handshake, as for a dead peer');
});
