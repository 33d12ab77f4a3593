// The smartphone layout at 390×844: one pane at a time with back navigation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  login,
  msgLocator,
  newPage,
  shot,
  browserSuite,
} from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

test('the smartphone layout works at 390×844', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(p, env.srv.base, 'sato');
  const list = p.locator('.pane-list');
  const roomPane = p.locator('.pane-room');

  // The room list alone fills the screen.
  assert.ok(await list.isVisible());
  assert.ok(!(await roomPane.isVisible()));
  const box = await list.boundingBox();
  assert.equal(Math.round(box.width), 390);
  await shot(p, 'phone-list');

  // Tap a room: the timeline alone, with a back button.
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();
  assert.ok(await roomPane.isVisible());
  assert.ok(!(await list.isVisible()));
  assert.equal(new URL(p.url()).pathname.startsWith('/rooms/'), true);
  const back = p.locator('.room-head').getByRole('button', { name: '戻る' });
  assert.ok(await back.isVisible());

  // On a touch screen Enter adds a line: the button sends.
  await p.locator('#composer-input').fill('スマートフォンから送信しました。現地に到着しています。');
  await p.locator('.send-btn').tap();
  const m = msgLocator(p, 'スマートフォンから送信しました');
  await m.waitFor();
  await p.locator('.msg.pending').waitFor({ state: 'detached' });
  const mb = await m.locator('.bubble').boundingBox();
  assert.ok(mb.x + mb.width <= 390, 'the message fits the screen');
  assert.ok(mb.x + mb.width > 300, 'own messages are on the right');
  const scrollW = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollW <= 390, 'no horizontal scrolling');
  await p.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await shot(p, 'phone-room', 'screenshot-phone.png');

  // Room info is its own pane; back returns to the timeline, then to the list.
  await p.getByRole('button', { name: 'トーク情報を表示' }).tap();
  await p.locator('.pane-details .details').waitFor();
  assert.ok(!(await roomPane.isVisible()));
  assert.ok(await p.locator('.pane-details').getByText('鈴木 一郎').isVisible());
  await shot(p, 'phone-details');
  await p.locator('.pane-details').getByRole('button', { name: '戻る' }).tap();
  await p.locator('#room-title').waitFor();
  assert.ok(await roomPane.isVisible());
  await back.tap();
  await list.waitFor();
  assert.ok(await list.isVisible());
  assert.ok(!(await roomPane.isVisible()));
  assert.equal(new URL(p.url()).pathname, '/');

  // The browser's back button works the same way.
  await p.locator('.room-item').first().tap();
  await p.locator('#room-title').waitFor();
  await p.goBack();
  await list.waitFor();
  assert.ok(!(await roomPane.isVisible()));
  assert.deepEqual(p.errors, []);
});
