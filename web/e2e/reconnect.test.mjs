// The server is restarted under a running client: the UI says 再接続中…, a message written
// meanwhile is delivered once, messages posted by others while the client was away arrive,
// and nothing is lost or shown twice.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  login,
  msgLocator,
  newPage,
  openRoom,
  send,
  shot,
  until,
  waitLive,
  browserSuite,
} from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 180000 });
const { skip } = env;

async function domSeqs(page) {
  return page.locator('.messages > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
}

test('after a server restart the client reconnects; nothing lost or duplicated', { skip, timeout: 150000 }, async () => {
  const a = await newPage(env.browser);
  const b = await newPage(env.browser);
  await login(a, env.srv.base, 'tanaka');
  await login(b, env.srv.base, 'suzuki');
  await openRoom(a, '防災係');
  await openRoom(b, '防災係');

  await send(a, '再起動前のメッセージです');
  await msgLocator(b, '再起動前のメッセージです').waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });

  // Stop the server: both clients notice and say so.
  await env.srv.stop();
  await a.locator('.conn-banner', { hasText: '再接続中…' }).waitFor({ timeout: 10000 });
  await b.locator('.conn-banner', { hasText: '再接続中…' }).waitFor({ timeout: 10000 });
  await shot(a, 'pc-reconnecting');

  // tanaka writes while the server is down: shown as being sent.
  await send(a, '停止中に書いたメッセージ');
  await a.locator('.msg.pending', { hasText: '停止中に書いたメッセージ' }).waitFor();

  // Back up on the same port and data; someone else posts before the clients are back.
  await env.srv.restart();
  const ito = await env.srv.token('ito');
  const room = await env.srv.roomId(ito, '防災係');
  await env.srv.api(ito, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-ito-1', body: '再起動直後の伊藤です' });

  for (const p of [a, b]) {
    await waitLive(p, 30000);
    await p.locator('.conn-banner').waitFor({ state: 'detached' });
    await msgLocator(p, '再起動直後の伊藤です').waitFor({ timeout: 15000 });
    await msgLocator(p, '停止中に書いたメッセージ').waitFor({ timeout: 15000 });
  }
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'the offline message acknowledged', timeout: 20000 });

  // Live again: a new message arrives in real time.
  await env.srv.api(ito, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-ito-2', body: '再接続後のライブ配信です' });
  await msgLocator(a, '再接続後のライブ配信です').waitFor();
  await msgLocator(b, '再接続後のライブ配信です').waitFor();

  // Exactly what the server has, once each, in order.
  const stored = await env.srv.allMessages(ito, room);
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
