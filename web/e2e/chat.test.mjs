// Two colleagues chat in real time in two browser contexts: live delivery, 既読 counts that
// rise when the other opens the room, the reader list in 五十音 order, mentions, replies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  login,
  msgLocator,
  newPage,
  openRoom,
  send,
  shot,
  until,
  browserSuite,
} from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

test('two users chat in real time; 既読 rises; readers in 五十音 order', { skip, timeout: 120000 }, async () => {
  const a = await newPage(env.browser); // 田中 太郎 (tanaka)
  const b = await newPage(env.browser); // 佐藤 花子 (sato)
  await login(a, env.srv.base, 'tanaka');
  await login(b, env.srv.base, 'sato');
  await openRoom(a, '防災係');

  // tanaka writes; sato, still on the room list, sees it arrive (preview and unread badge).
  const text1 = '明日の訓練、集合は8時30分に第2庁舎前でお願いします。';
  await send(a, text1);
  const mine = msgLocator(a, text1);
  await mine.waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });
  const bItem = b.locator('.room-item', { has: b.locator('.room-name', { hasText: '防災係' }) });
  await bItem.locator('.room-preview', { hasText: text1.slice(0, 10) }).waitFor();
  await bItem.locator('.badge').waitFor();
  assert.equal(await mine.locator('.read-btn').innerText(), '既読 0');

  // sato opens the room: the message is there once and tanaka's 既読 goes to 1.
  await openRoom(b, '防災係');
  await msgLocator(b, text1).waitFor();
  assert.equal(await msgLocator(b, text1).count(), 1);
  await mine.locator('.read-btn', { hasText: '既読 1' }).waitFor({ timeout: 10000 });

  // sato replies with a mention; tanaka sees it live, highlighted, with the quote.
  await msgLocator(b, text1).hover();
  await msgLocator(b, text1).getByRole('button', { name: 'メッセージの操作' }).click();
  await b.getByRole('menuitem', { name: '返信' }).click();
  const box = b.locator('#composer-input');
  await box.click();
  await box.pressSequentially('@たなか');
  await b.locator('#mention-list [role=option]', { hasText: '田中 太郎' }).waitFor();
  await box.press('Enter'); // picks the suggestion, does not send
  assert.match(await box.inputValue(), /^@田中 太郎 $/);
  await box.pressSequentially('了解です。受付名簿は私が持参します。');
  await box.press('Enter');
  const reply = msgLocator(a, '受付名簿は私が持参します');
  await reply.waitFor();
  assert.ok(await reply.evaluate((el) => el.classList.contains('mentioned')), 'mention is highlighted');
  assert.equal(await reply.locator('.mention').first().innerText(), '@田中 太郎');
  assert.match(await reply.locator('.quote').innerText(), /集合は8時30分/);

  // Two more colleagues read, in the order すずき, いとう (not in 五十音 order).
  const room = await env.srv.roomId(await env.srv.token('tanaka'), '防災係');
  const seq = Number(await mine.getAttribute('data-seq'));
  for (const who of ['suzuki', 'ito']) {
    await env.srv.api(await env.srv.token(who), 'POST', `/api/rooms/${room}/read`, { seq });
  }
  await mine.locator('.read-btn', { hasText: '既読 3' }).waitFor({ timeout: 10000 });

  // The reader list: who has read in 五十音 order of readings, and who has not.
  await mine.locator('.read-btn').click();
  const dialog = a.getByRole('dialog', { name: '既読メンバー' });
  await dialog.waitFor();
  await dialog.locator('[data-list=readers-read] .person-name').first().waitFor();
  const readers = await dialog.locator('[data-list=readers-read] .person-name').allInnerTexts();
  const unread = await dialog.locator('[data-list=readers-unread] .person-name').allInnerTexts();
  assert.deepEqual(readers, ['伊藤 美咲', '佐藤 花子', '鈴木 一郎']);
  // 西村 has left: still a member who has not read, marked 利用停止.
  assert.deepEqual(unread, ['高橋 健', '西村 健一利用停止']);
  await shot(a, 'pc-readers');
  await a.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });

  // Nothing was shown twice on either side.
  for (const p of [a, b]) {
    const seqs = await p.locator('.messages > li.msg[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
    assert.equal(new Set(seqs).size, seqs.length, 'no duplicated messages');
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y), 'messages in seq order');
  }
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
  await a.mouse.move(0, 0);
  await a.evaluate(() => document.activeElement instanceof HTMLElement && document.activeElement.blur());
  await shot(a, 'pc-chat', 'screenshot-pc.png');
});
