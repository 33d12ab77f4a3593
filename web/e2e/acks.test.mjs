// 確認必須 in real Chromium: the sender marks a text 重要・確認必須 in the composer; a member
// on a phone sees the mark and confirms with one tap (確認しました → 確認済み); the sender's
// count follows live; the sender's 確認状況 lists who confirmed and who has not (by
// department, 五十音) and reminds those who have not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, msgLocator, newPage, openRoom, shot, until } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 240000 });
const { skip } = env;

const PHONE = { width: 390, height: 844, mobile: true };
const TEXT = '【重要】12月15日までに情報セキュリティ研修を受講してください';

test('重要・確認必須: send, confirm on a phone, the count live, the lists and a reminder', { skip, timeout: 200000 }, async () => {
  const sato = await newPage(env.browser);
  await login(sato, env.srv.base, 'sato');
  await openRoom(sato, '防災係');
  const suzuki = await newPage(env.browser, PHONE);
  await login(suzuki, env.srv.base, 'suzuki');
  await suzuki.locator('.room-item', { has: suzuki.locator('.room-name', { hasText: '防災係' }) }).tap();
  await suzuki.locator('#room-title', { hasText: '防災係' }).waitFor();

  // The toggle, then the text: sent as 確認必須 (the toggle turns itself off).
  const toggle = sato.getByRole('button', { name: '重要・確認必須' });
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  await sato.locator('#composer-ack').waitFor();
  const box = sato.locator('#composer-input');
  await box.click();
  await box.fill(TEXT);
  await box.press('Enter');
  const mine = msgLocator(sato, TEXT).locator('.ack-card');
  await mine.waitFor();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  assert.match(await mine.innerText(), /重要・確認必須/);
  assert.match(await mine.innerText(), /確認 0人/);
  assert.equal(await mine.getByRole('button', { name: '確認しました' }).count(), 0, 'the sender does not confirm their own');

  // The member confirms with one tap; 既読 alone did nothing.
  const theirs = msgLocator(suzuki, TEXT).locator('.ack-card');
  await theirs.waitFor();
  await theirs.getByRole('button', { name: '確認しました' }).tap();
  await theirs.getByText('確認済み').waitFor();
  await until(async () => /確認 1人/.test(await mine.innerText()), { timeout: 10000, what: 'the sender to see 確認 1人' });
  await audit(suzuki, 'a 確認必須 message on a phone');
  await shot(suzuki, 'acks-phone');

  // 確認状況: who confirmed, who has not (五十音), by department; a reminder.
  await mine.getByRole('button', { name: '確認状況' }).click();
  const dlg = sato.getByRole('dialog', { name: '確認状況' });
  await dlg.waitFor();
  await dlg.getByRole('tab', { name: /未確認/ }).waitFor();
  await until(async () => (await dlg.locator('[data-list="ack-unacked"] .person').count()) > 0, { what: 'the unconfirmed list' });
  const unacked = await dlg.locator('[data-list="ack-unacked"] .person-name').allInnerTexts();
  assert.ok(!unacked.some((n) => n.includes('鈴木')), `鈴木 confirmed: ${unacked}`);
  await dlg.getByRole('tab', { name: /確認済み/ }).click();
  await until(async () => (await dlg.locator('[data-list="ack-acked"] .person-name').allInnerTexts()).join() === '鈴木 一郎', {
    what: 'the confirmed list: 鈴木 一郎',
  });
  // By department: 防災係 has 鈴木; 道路課 has nobody who confirmed.
  await dlg.getByLabel('所属').selectOption({ label: '建設部/道路課' });
  await dlg.getByText('該当する人はいません').waitFor();
  await audit(sato, 'the 確認状況 dialog');
  await shot(sato, 'acks-status');
  await dlg.getByLabel('所属').selectOption({ label: 'すべての所属' });
  await dlg.getByRole('tab', { name: /未確認/ }).click();
  await dlg.getByRole('button', { name: '未確認者に催促' }).click();
  await sato.getByRole('dialog', { name: '確認', exact: true }).getByRole('button', { name: '未確認者に催促' }).click();
  await sato.locator('.toast', { hasText: /人に催促しました/ }).waitFor();
  // The reminder in the room, as members see it.
  await suzuki.locator('.sys-note', { hasText: /佐藤 花子さんが確認必須のお知らせの未確認者\d+人に確認を催促しました/ }).waitFor();
});
