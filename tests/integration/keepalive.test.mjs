// Keepalive (docs/api.md, "Keepalive and slow consumers"): a silent connection whose peer
// answers pings stays open; one whose peer stops answering is dropped. The idle timeout is
// set to 6 s here ([limits] ws_idle_timeout_seconds), so the server sweeps every 3 s: wide
// enough that a pause of a busy machine is not taken for silence.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep, cid } from './lib/client.mjs';
import { makeDataDir } from './lib/server.mjs';
import { fileSetup, demoServer, loginAll, createGroup } from './lib/util.mjs';

fileSetup();

let srv;
let U;

before(async () => {
  const dir = makeDataDir();
  const file = join(dir, 'keepalive.toml');
  writeFileSync(file, '[limits]\nws_idle_timeout_seconds = 6\n');
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
