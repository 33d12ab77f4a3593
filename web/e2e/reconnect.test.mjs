// The server is restarted under a running client: the UI says 再接続中…, a message written
// meanwhile is delivered once, messages posted by others while the client was away arrive,
// and nothing is lost or shown twice.
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, test } from 'node:test';
import {
  closeAll,
  closeContexts,
  launch,
  login,
  msgLocator,
  newPage,
  openRoom,
  skipReason,
  send,
  Server,
  shot,
  until,
  waitLive,
  watchdog,
} from './lib/harness.mjs';

watchdog(180000);
const skip = skipReason();
let srv;
let browser;

// One browser per file; a fresh server (own data directory) and fresh contexts per test.
before(async () => {
  if (skip) return;
  browser = await launch();
});
beforeEach(async () => {
  if (skip) return;
  srv = await new Server().start();
});
afterEach(async () => {
  await closeContexts();
  await srv?.stop();
  srv = undefined;
});
after(async () => {
  await closeAll();
});

async function domSeqs(page) {
  return page.locator('.messages > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
}

test('after a server restart the client reconnects; nothing lost or duplicated', { skip, timeout: 150000 }, async () => {
  const a = await newPage(browser);
  const b = await newPage(browser);
  await login(a, srv.base, 'tanaka');
  await login(b, srv.base, 'suzuki');
  await openRoom(a, '防災係');
  await openRoom(b, '防災係');

  await send(a, '再起動前のメッセージです');
  await msgLocator(b, '再起動前のメッセージです').waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });

  // Stop the server: both clients notice and say so.
  await srv.stop();
  await a.locator('.conn-banner', { hasText: '再接続中…' }).waitFor({ timeout: 10000 });
  await b.locator('.conn-banner', { hasText: '再接続中…' }).waitFor({ timeout: 10000 });
  await shot(a, 'pc-reconnecting');

  // tanaka writes while the server is down: shown as being sent.
  await send(a, '停止中に書いたメッセージ');
  await a.locator('.msg.pending', { hasText: '停止中に書いたメッセージ' }).waitFor();

  // Back up on the same port and data; someone else posts before the clients are back.
  await srv.restart();
  const ito = await srv.token('ito');
  const room = await srv.roomId(ito, '防災係');
  await srv.api(ito, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-ito-1', body: '再起動直後の伊藤です' });

  for (const p of [a, b]) {
    await waitLive(p, 30000);
    await p.locator('.conn-banner').waitFor({ state: 'detached' });
    await msgLocator(p, '再起動直後の伊藤です').waitFor({ timeout: 15000 });
    await msgLocator(p, '停止中に書いたメッセージ').waitFor({ timeout: 15000 });
  }
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'the offline message acknowledged', timeout: 20000 });

  // Live again: a new message arrives in real time.
  await srv.api(ito, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-ito-2', body: '再接続後のライブ配信です' });
  await msgLocator(a, '再接続後のライブ配信です').waitFor();
  await msgLocator(b, '再接続後のライブ配信です').waitFor();

  // Exactly what the server has, once each, in order.
  const stored = await srv.allMessages(ito, room);
  const count = (body) => stored.filter((m) => m.body === body).length;
  assert.equal(count('停止中に書いたメッセージ'), 1, 'the offline message is stored once');
  assert.equal(count('再起動前のメッセージです'), 1);
  const last = stored.at(-1).seq;
  for (const p of [a, b]) {
    const seqs = await domSeqs(p);
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicates on screen');
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'in seq order');
    assert.equal(seqs.at(-1), last, 'up to date');
    const first = seqs[0];
    assert.deepEqual(seqs, stored.filter((m) => m.seq >= first).map((m) => m.seq), 'no gaps');
    assert.equal(await msgLocator(p, '停止中に書いたメッセージ').count(), 1);
    assert.equal(await msgLocator(p, '再起動直後の伊藤です').count(), 1);
  }
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});
