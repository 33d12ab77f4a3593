// A client that never hides a failure (issue 20): offline shown at once without moving the
// layout, sends not acknowledged shown as 未送信 with a working 再送信, a failed directory search
// shown as an error with a retry, the phone composer (Enter adds a line), the counter near the
// limit and a refused over-long paste, and the app shell loading offline from the service worker.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, login, msgLocator, newPage, openRoom, send, until } from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

test('going offline is shown within a second, over the layout', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '防災係');
  const top = async () => (await p.locator('.panes').boundingBox()).y;
  const before = await top();
  const t0 = Date.now();
  await p.context().setOffline(true);
  await p.locator('.conn-banner').waitFor({ timeout: 1000 });
  assert.ok(Date.now() - t0 < 1000, `banner after ${Date.now() - t0} ms`);
  assert.match(await p.locator('.conn-banner').innerText(), /オフライン/);
  assert.equal(await top(), before, 'the banner does not push the panes down');
  // A message written offline says at once that it is not sent yet.
  await send(p, 'オフラインで書いた連絡');
  await p.locator('.msg.pending', { hasText: 'オフラインで書いた連絡' }).getByText('未送信（接続が戻ると自動で送信します）').waitFor();
  await p.context().setOffline(false);
  await p.locator('.conn-banner').waitFor({ state: 'detached', timeout: 15000 });
  await msgLocator(p, 'オフラインで書いた連絡').waitFor({ timeout: 20000 });
  assert.equal(await p.locator('.msg.pending').count(), 0);
  assert.deepEqual(p.errors, []);
});

test('a send without an answer becomes 未送信, and 再送信 sends it', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  // The WebSocket goes through here: while `drop`, the server never sees our sends.
  let drop = false;
  await p.routeWebSocket(/\/api\/ws$/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (drop && JSON.parse(String(m)).type === 'send') return;
      server.send(m);
    });
    server.onMessage((m) => ws.send(m));
  });
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '防災係');
  drop = true;
  await send(p, '届かなかった連絡');
  const pending = p.locator('.msg.pending', { hasText: '届かなかった連絡' });
  await pending.getByText('送信中…').waitFor();
  await pending.getByText('未送信（接続が戻ると自動で送信します）').waitFor({ timeout: 8000 });
  drop = false;
  await pending.getByRole('button', { name: '再送信' }).click();
  await msgLocator(p, '届かなかった連絡').waitFor();
  await pending.waitFor({ state: 'detached' });
  // Once handed to a socket it may already be stored: 再送信 only, no 破棄.
  drop = true;
  await send(p, '届いたかもしれない連絡');
  const sent = p.locator('.msg.pending', { hasText: '届いたかもしれない連絡' });
  await sent.getByText('未送信（接続が戻ると自動で送信します）').waitFor({ timeout: 8000 });
  assert.equal(await sent.getByRole('button', { name: '破棄' }).count(), 0);
  drop = false;
  await sent.getByRole('button', { name: '再送信' }).click();
  await sent.waitFor({ state: 'detached' });
  // One written offline never left the browser: 破棄 drops it for good.
  await p.context().setOffline(true);
  await send(p, '取りやめる連絡');
  const second = p.locator('.msg.pending', { hasText: '取りやめる連絡' });
  await second.getByRole('button', { name: '破棄' }).click({ timeout: 8000 });
  await second.waitFor({ state: 'detached' });
  await p.context().setOffline(false);
  await p.locator('.conn-banner').waitFor({ state: 'detached', timeout: 15000 });
  await p.waitForTimeout(500);
  assert.equal(await msgLocator(p, '取りやめる連絡').count(), 0, 'a discarded message is never sent');
  assert.deepEqual(p.errors, []);
});

test('a failed directory search is shown as an error with a retry', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await p.route(/\/api\/users\?/, (r) => r.abort('failed'));
  await p.getByRole('button', { name: '新規トーク' }).click();
  const dlg = p.getByRole('dialog', { name: '新規トーク' });
  await dlg.getByLabel('職員を検索').fill('すずき');
  const err = dlg.locator('[data-error=search]');
  await err.waitFor();
  assert.match(await err.innerText(), /検索できませんでした/);
  await p.unroute(/\/api\/users\?/);
  await err.getByRole('button', { name: '再試行' }).click();
  await dlg.locator('[data-list=search]').getByText('鈴木 一郎').waitFor();
  assert.equal(await err.count(), 0);
});

test('phone: Enter adds a line and the button sends', { skip, timeout: 90000 }, async () => {
  const m = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(m, env.srv.base, 'ito');
  await m.locator('.room-item', { has: m.locator('.room-name', { hasText: '防災係' }) }).tap();
  const box = m.locator('#composer-input');
  await box.waitFor();
  assert.match(await box.getAttribute('placeholder'), /改行はEnter、送信は送信ボタン/);
  await box.tap();
  await box.pressSequentially('一行目');
  await box.press('Enter');
  await box.pressSequentially('二行目');
  assert.equal(await box.inputValue(), '一行目\n二行目');
  assert.equal(await m.locator('.msg.pending').count(), 0, 'Enter did not send');
  await m.locator('.send-btn').tap();
  await msgLocator(m, '二行目').waitFor();
  assert.equal(await msgLocator(m, '二行目').locator('.msg-body').innerText(), '一行目\n二行目');
});

test('the counter shows near the limit and an over-long paste is refused', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '防災係');
  const box = p.locator('#composer-input');
  await box.fill('あ'.repeat(8999));
  assert.equal(await p.locator('.composer-note').count(), 0);
  await box.press('End');
  await box.pressSequentially('い');
  await p.locator('.composer-note', { hasText: '9000 / 10000文字' }).waitFor();
  // 1,001 more characters would pass 10,000: nothing is pasted, and the composer says why.
  await box.evaluate((el) => {
    const dt = new DataTransfer();
    dt.setData('text/plain', 'う'.repeat(1001));
    el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
  });
  const note = p.locator('.composer-note.error');
  await note.waitFor();
  assert.match(await note.innerText(), /貼り付けられません/);
  assert.equal((await box.inputValue()).length, 9000);
});

test('the app shell loads offline from the service worker', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await until(() => p.evaluate(() => !!navigator.serviceWorker?.controller), { what: 'the service worker controls the page' });
  await p.context().setOffline(true);
  await p.reload();
  // Not the browser's error page: the app, saying it is offline.
  await p.getByLabel('自治体コード').waitFor();
  assert.match(await p.locator('.form-error').innerText(), /オフライン/);
  // Back online, the session is there again without logging in.
  await p.context().setOffline(false);
  await p.locator('.room-item').first().waitFor({ timeout: 20000 });
});
