// A client that stops reading is held to the per-connection bound (docs/operations.md,
// "Slow and stalled clients"): a replay goes out at the pace the client reads it, the live
// events held meanwhile count in bytes against the send queue's bound, and a stalled client
// is closed — one that reads nothing, and one whose TCP takes everything while it never
// answers a ping. Small limits from a config file keep it short: a send queue of 256 KiB,
// an idle timeout of 2 s (a sweep every second).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from './lib/client.mjs';
import { makeDataDir } from './lib/server.mjs';
import { fileSetup, demoServer, loginAll, createGroup, postMessage } from './lib/util.mjs';

fileSetup({ watchdogMs: 240000 });

let srv;
let U;

before(async () => {
  const dir = makeDataDir();
  const file = join(dir, 'stalled.toml');
  writeFileSync(file, '[limits]\nws_idle_timeout_seconds = 2\nws_queue_bytes = 262144\nmessages_per_second = 0\n');
  srv = await demoServer({ dataDir: dir, extraArgs: ['--config', file] });
  U = await loginAll(srv, ['tanaka', 'sato'], { token: true });
});

async function metric(name) {
  const r = await fetch(`${srv.base}/metrics`);
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(await r.text());
  assert.ok(m, `metric ${name}`);
  return Number(m[1]);
}

// The number of open WebSocket connections once it has stopped changing.
async function settledConnections() {
  let n = await metric('tonari_ws_connections');
  for (let next; (await sleep(300), next = await metric('tonari_ws_connections')) !== n;) n = next;
  return n;
}

// A WebSocket client on a bare TCP socket: upgrades, sends `hello`, and from then on reads
// nothing at all (its socket paused: the kernel's receive buffer fills, the window closes).
async function stalledClient(client, cursors) {
  const socket = net.connect({ host: '127.0.0.1', port: srv.port });
  await new Promise((res, rej) => { socket.once('connect', res); socket.once('error', rej); });
  socket.on('error', () => {});
  const key = crypto.randomBytes(16).toString('base64');
  socket.write(`GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\nUpgrade: websocket\r\n` +
    `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n` +
    `Authorization: Bearer ${client.token}\r\n\r\n`);
  const head = await new Promise((res) => {
    let got = '';
    const on = (d) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) { socket.off('data', on); socket.pause(); res(got); }
    };
    socket.on('data', on);
  });
  assert.match(head, /^HTTP\/1\.1 101/);
  socket.write(maskedText(JSON.stringify({ type: 'hello', cursors })));
  return socket;
}

function maskedText(text) {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  const mask = crypto.randomBytes(4);
  const out = Buffer.alloc(2 + 4 + payload.length);
  out[0] = 0x81;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

test('a client that stops reading during its catch-up holds a bounded heap and is closed', { timeout: 200000 }, async (t) => {
  const { tanaka, sato } = U;
  const room = await createGroup(tanaka, '読まない端末', [sato.id]);
  const cursor = (await tanaka.get(`/api/rooms/${room.id}`)).json.room.ev;
  // 450 messages of 9,000 characters (27 KB each, 12 MB in all) to catch up on.
  const body = 'あ'.repeat(9000);
  for (let i = 0; i < 450; i += 25) {
    await Promise.all(Array.from({ length: 25 }, () => postMessage(tanaka, room.id, body)));
  }
  const baseline = await settledConnections();
  const heapBefore = await metric('tonari_heap_in_use_bytes');

  const socket = await stalledClient(sato, { [room.id]: cursor });
  // More messages while it is stalled: 60 more (1.6 MB) held for it if nothing bounds them.
  let heapMax = 0;
  let closedAt = null;
  const started = Date.now();
  for (let i = 0; i < 60; i += 10) {
    await Promise.all(Array.from({ length: 10 }, () => postMessage(tanaka, room.id, body)));
    heapMax = Math.max(heapMax, await metric('tonari_heap_in_use_bytes'));
  }
  // Closed within the documented time: stalled for three idle timeouts (6 s) at most.
  while (Date.now() - started < 20000) {
    heapMax = Math.max(heapMax, await metric('tonari_heap_in_use_bytes'));
    if (await metric('tonari_ws_connections') === baseline) { closedAt = Date.now(); break; }
    await sleep(250);
  }
  socket.destroy();
  const grown = heapMax - heapBefore;
  t.diagnostic(`heap grew by ${(grown / 1048576).toFixed(1)} MiB; closed after ${closedAt && (closedAt - started)} ms`);
  assert.ok(grown < 8 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB for one stalled client`);
  assert.ok(closedAt !== null, 'the stalled client was closed');
});

test('a client whose TCP takes everything but which never answers a ping is closed', { timeout: 60000 }, async () => {
  const { tanaka, sato } = U;
  const room = await createGroup(tanaka, '応答しない端末', [sato.id]);
  const mute = await sato.ws({ label: 'mute', wsOptions: { autoPong: false } });
  let pings = 0;
  mute.ws.on('ping', () => { pings += 1; });
  // Traffic all along: its TCP acknowledges kilobytes at every look, which alone used to
  // count as reading.
  let posting = true;
  const poster = (async () => {
    while (posting) {
      await postMessage(tanaka, room.id, 'い'.repeat(2000));
      await sleep(100);
    }
  })();
  let t;
  const closed = await Promise.race([mute.closed, new Promise((res) => { t = setTimeout(() => res(null), 20000); })]);
  clearTimeout(t);
  posting = false;
  await poster;
  assert.ok(closed, 'a peer that never answers a ping must be closed, however much its TCP acknowledges');
  assert.ok(pings >= 1, 'it was pinged first');
});
