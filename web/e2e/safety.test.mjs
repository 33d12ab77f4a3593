// 安否確認 in real Chromium against one server (shared by the tests, to stay fast): the
// banner appears live on a phone (390×844) when a check starts; answering takes exactly two
// taps and is stored; the 危機管理 user's dashboard in another browser follows the answer
// live; a training check is labelled 訓練; an answer given offline is sent when the link
// comes back and stored exactly once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { audit, closeAll, launch, login, newPage, Server, shot, skipReason, until, watchdog } from './lib/harness.mjs';

watchdog(120000);
const skip = skipReason();
const PHONE = { width: 390, height: 844, mobile: true };

let srv;
let browser;
let boss; // takahashi's token: 危機管理
let bosai; // 市民生活部/危機管理課/防災係

async function start(body) {
  return (await srv.api(boss, 'POST', '/api/safety', { scope: { depts: [bosai] }, ...body })).safety;
}
async function history(id, login) {
  const tok = await srv.token(login);
  const me = (await srv.api(tok, 'GET', '/api/me')).user;
  return (await srv.api(boss, 'GET', `/api/safety/${id}/history?user=${me.id}`)).answers;
}

before(async () => {
  if (skip) return;
  srv = await new Server().start();
  browser = await launch();
  const admin = await srv.token('yamada');
  boss = await srv.token('takahashi');
  const me = (await srv.api(boss, 'GET', '/api/me')).user;
  await srv.api(admin, 'PUT', `/api/admin/users/${me.id}/safety-roles`, { crisis: true, dept_head: false });
  const { departments } = await srv.api(boss, 'GET', '/api/departments');
  bosai = departments.find((d) => d.path === '市民生活部/危機管理課/防災係').id;
});

after(async () => {
  await closeAll();
  await srv?.stop();
});

test('the banner on a phone, two taps to answer, the dashboard live in another browser', { skip, timeout: 60000 }, async () => {
  const phone = await newPage(browser, PHONE);
  await login(phone, srv.base, 'sato');
  const desk = await newPage(browser);
  await login(desk, srv.base, 'takahashi');

  const s = await start({ template: 'earthquake' });
  // The dashboard first, so that it has to follow the answer live.
  await desk.getByRole('button', { name: 'アカウントメニュー' }).click();
  await desk.getByRole('menuitem', { name: '安否確認' }).click();
  await desk.locator('.sf-item', { hasText: s.title }).click();
  const ok0 = desk.locator('.sf-count[data-q="status"][data-opt="0"] strong');
  await until(async () => (await ok0.innerText()) === '0', { what: 'the dashboard with 無事 0' });

  // (a) The banner arrives live on the phone, over the room list.
  const banner = phone.locator(`.safety-banner[data-check="${s.id}"]`);
  await banner.waitFor({ timeout: 5000 });
  assert.match(await banner.innerText(), /地震/);
  const box = await banner.boundingBox();
  assert.ok(box.y < 100 && box.width <= 390, 'the banner is at the top and fits the phone');
  await shot(phone, 'safety-phone-banner');

  // (b) Exactly two taps: 無事, then 出勤 可能 (the last required question) sends it.
  let taps = 0;
  await banner.getByRole('button', { name: '無事' }).tap();
  taps++;
  const sheet = phone.getByRole('dialog', { name: '安否確認' });
  await sheet.getByRole('group', { name: /出勤/ }).getByRole('button', { name: '可能', exact: true }).tap();
  taps++;
  await sheet.getByText('送信しました').waitFor();
  assert.equal(taps, 2);
  await audit(phone, 'the answer sheet on a phone');
  await shot(phone, 'safety-phone-sheet');
  await sheet.getByRole('button', { name: '閉じる' }).first().tap();
  await banner.getByText('回答済み：無事・出勤可能').waitFor();
  const answers = await history(s.id, 'sato');
  assert.equal(answers.length, 1);
  assert.deepEqual([answers[0].answer.status, answers[0].answer.work], [0, 0]);

  // (c) The dashboard follows (safety.updated, about once a second).
  await until(async () => (await ok0.innerText()) === '1', { timeout: 8000, what: 'the dashboard to count 無事 1' });
  assert.match(await desk.locator('.sf-rate').innerText(), /回答 1 \//);
  await audit(desk, 'the dashboard');
  await shot(desk, 'safety-dashboard');

  // Closed: the banner leaves; the dashboard says 終了.
  await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});
  await banner.waitFor({ state: 'detached' });
  await desk.locator('.sf-head .tag-closed').waitFor();
  assert.deepEqual(phone.errors, []);
  assert.deepEqual(desk.errors, []);
});

test('a training check is labelled 訓練', { skip, timeout: 30000 }, async () => {
  const phone = await newPage(browser, PHONE);
  await login(phone, srv.base, 'sato');
  const s = await start({ template: 'drill' });
  const banner = phone.locator(`.safety-banner[data-check="${s.id}"]`);
  await banner.waitFor({ timeout: 5000 });
  assert.ok((await banner.getAttribute('class')).includes('is-training'));
  await banner.locator('.tag-training', { hasText: '【訓練】' }).waitFor();
  await shot(phone, 'safety-phone-training');
  await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});
});

test('offline: the answer waits, goes when the link is back, and is stored once', { skip, timeout: 40000 }, async () => {
  const phone = await newPage(browser, PHONE);
  await login(phone, srv.base, 'suzuki');
  const s = await start({ template: 'earthquake' });
  const banner = phone.locator(`.safety-banner[data-check="${s.id}"]`);
  await banner.waitFor({ timeout: 5000 });

  await phone.context().setOffline(true);
  await banner.getByRole('button', { name: '軽傷' }).tap();
  const sheet = phone.getByRole('dialog', { name: '安否確認' });
  await sheet.getByRole('group', { name: /出勤/ }).getByRole('button', { name: '遅れて可能' }).tap();
  await sheet.getByText('送信待ち').waitFor();
  assert.ok(await phone.evaluate(() => Object.keys(localStorage).some((k) => k.startsWith('tonari.safetyAnswers.'))), 'kept in localStorage');
  assert.equal((await history(s.id, 'suzuki')).length, 0);

  await phone.context().setOffline(false);
  await sheet.getByText('送信しました').waitFor({ timeout: 20000 });
  await until(async () => (await history(s.id, 'suzuki')).length === 1, { what: 'the answer stored' });
  // Reconnecting and the `online` event both flushed the queue: still one answer.
  await new Promise((r) => setTimeout(r, 1500));
  const answers = await history(s.id, 'suzuki');
  assert.equal(answers.length, 1);
  assert.deepEqual([answers[0].answer.status, answers[0].answer.work], [1, 2]);
  assert.equal(await phone.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('tonari.safetyAnswers.')).length), 0);
  await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});
});
