// Stamps, reactions and pins between two colleagues in two browsers: a stamp sent from the
// picker (by keyboard), reactions put and taken away live, who reacted in 五十音 order, a
// pinned message in the other browser's pinned bar, and a phone's long press.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, msgLocator, newPage, openRoom, send, shot, sleep, until } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 240000 });
const { skip } = env;

/** The stamp message showing stamp `words` (its picture's alt). */
const stampMsg = (page, words) => page.locator('.messages > li.msg', { has: page.locator(`.stamp-msg img[alt="${words}"]`) });

async function menu(page, m, item) {
  await m.hover();
  await m.getByRole('button', { name: 'メッセージの操作' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

test('a stamp from the picker; reactions live; who reacted', { skip, timeout: 120000 }, async () => {
  const a = await newPage(env.browser); // 田中 太郎 (tanaka)
  const b = await newPage(env.browser); // 佐藤 花子 (sato)
  await login(a, env.srv.base, 'tanaka');
  await login(b, env.srv.base, 'sato');
  await openRoom(a, '防災係');
  await openRoom(b, '防災係');

  // tanaka opens the picker: focus is on the first stamp; → then Enter sends the second.
  const stampBtn = a.getByRole('button', { name: 'スタンプ', exact: true });
  await stampBtn.click();
  const picker = a.getByRole('dialog', { name: 'スタンプ' });
  await picker.waitFor();
  await until(() => a.evaluate(() => document.activeElement?.getAttribute('data-stamp') === 'ryokai'), { what: 'focus on 了解しました' });
  await audit(a, 'stamp picker');
  await a.keyboard.press('ArrowRight');
  await a.keyboard.press('Enter');
  await picker.waitFor({ state: 'detached' });
  assert.equal(await stampBtn.evaluate((el) => el === document.activeElement), true, 'focus back on the stamp button');
  const mine = stampMsg(a, '承知しました');
  await mine.waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });
  assert.equal(await mine.locator('.bubble').count(), 0, 'no bubble around a stamp');

  // sato sees it live, and the room list says 「スタンプ」.
  await stampMsg(b, '承知しました').waitFor();
  const item = b.locator('.room-item', { has: b.locator('.room-name', { hasText: '防災係' }) });
  await item.locator('.room-preview', { hasText: 'スタンプ' }).waitFor();

  // The picker now starts with 最近使ったスタンプ.
  await stampBtn.click();
  const recent = picker.getByRole('list', { name: '最近使ったスタンプ' });
  await recent.waitFor();
  assert.equal(await recent.locator('img').first().getAttribute('alt'), '承知しました');
  await a.keyboard.press('Escape');
  await picker.waitFor({ state: 'detached' });

  // sato reacts with 👍 from the message menu; tanaka sees the chip live.
  const theirs = stampMsg(b, '承知しました');
  await menu(b, theirs, 'リアクション');
  const sheet = b.getByRole('dialog', { name: 'リアクションを選ぶ' });
  await sheet.waitFor();
  await audit(b, 'reaction picker');
  await sheet.getByRole('button', { name: '👍' }).click();
  await sheet.waitFor({ state: 'detached' });
  const bChip = theirs.locator('.reaction-chip', { hasText: '👍' });
  await until(async () => (await bChip.getAttribute('aria-pressed')) === 'true', { what: "sato's chip pressed" });
  const aChip = mine.locator('.reaction-chip', { hasText: '👍' });
  await aChip.locator('.reaction-count', { hasText: '1' }).waitFor();
  assert.equal(await aChip.getAttribute('aria-pressed'), 'false');

  // tanaka adds his: 2 on both sides; a stamp reaction from the sheet's full list.
  await aChip.click();
  await aChip.locator('.reaction-count', { hasText: '2' }).waitFor();
  assert.equal(await aChip.getAttribute('aria-pressed'), 'true');
  await bChip.locator('.reaction-count', { hasText: '2' }).waitFor();
  await menu(a, mine, 'リアクション');
  await a.getByRole('button', { name: 'スタンプから選ぶ' }).click();
  await a.getByRole('dialog').getByRole('button', { name: '助かります', exact: true }).click();
  await theirs.locator('.reaction-chip img[src="/stamps/tasukarimasu.svg"]').waitFor();

  // Who reacted: on hovering the chip, in 五十音 order (さとう before たなか).
  await aChip.hover();
  const who = mine.getByRole('group', { name: '👍でリアクションした人' });
  await who.waitFor();
  await who.locator('.reacted-names', { hasText: '佐藤 花子、田中 太郎' }).waitFor();
  await audit(a, 'reactions');
  await shot(a, 'collab-reactions');

  // sato takes his away: tanaka's chip goes back to 1, still his.
  await bChip.click();
  await aChip.locator('.reaction-count', { hasText: '1' }).waitFor();
  assert.equal(await aChip.getAttribute('aria-pressed'), 'true');
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('a pinned message shows in the pinned bar of another browser', { skip, timeout: 120000 }, async () => {
  const a = await newPage(env.browser);
  const b = await newPage(env.browser);
  await login(a, env.srv.base, 'tanaka');
  await login(b, env.srv.base, 'sato');
  await openRoom(a, '防災係');
  await openRoom(b, '防災係');

  const text = '避難所の開設手順は総務課の共有フォルダにあります。';
  await send(a, text);
  const m = msgLocator(a, text);
  await m.waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });
  await menu(a, m, 'ピン留め');

  // sato's pinned bar shows it at once, and opens it in the timeline.
  const bar = b.getByRole('region', { name: 'ピン留め' });
  const pinned = (t) => bar.locator('.pin-open', { hasText: t });
  await pinned(text).waitFor();
  await a.getByRole('region', { name: 'ピン留め' }).waitFor();
  await audit(b, 'pinned bar');
  await shot(b, 'collab-pinned');
  await pinned(text).click();
  await msgLocator(b, text).and(b.locator('.flash')).waitFor();

  // A second pin: the bar shows the newest and opens to show both.
  await send(a, '本日の訓練は10時開始です。');
  const second = msgLocator(a, '本日の訓練は10時開始です');
  await second.waitFor();
  await until(async () => (await a.locator('.msg.pending').count()) === 0, { what: 'ack' });
  await menu(a, second, 'ピン留め');
  await pinned('本日の訓練は10時開始です。').waitFor();
  await bar.getByRole('button', { name: 'ピン留めをすべて表示' }).click();
  await pinned(text).waitFor();
  assert.equal(await bar.locator('.pin-open').count(), 2);

  // The menu now offers ピン留めを外す; unpinned, it leaves both bars.
  await menu(a, m, 'ピン留めを外す');
  await until(async () => (await bar.locator('.pin-open').count()) === 1, { what: 'unpinned in the other browser' });
  assert.deepEqual(a.errors, []);
  assert.deepEqual(b.errors, []);
});

test('a pinned message far back is loaded and shown from the pinned bar', { skip, timeout: 120000 }, async () => {
  const { srv } = env;
  const [suzuki, tanaka, ito, sato] = await Promise.all(['suzuki', 'tanaka', 'ito', 'sato'].map((u) => srv.token(u)));
  const room = await srv.roomId(sato, '防災係');
  const post = (tok, body, i) => srv.api(tok, 'POST', `/api/rooms/${room}/messages`, { client_id: `e2e-${tok.slice(-6)}-${i}`, body });
  const old = await post(suzuki, '来年度の防災計画の素案です。', 0);
  await srv.api(tanaka, 'PUT', `/api/rooms/${room}/pins/message/${old.message.seq}`);
  // 60 messages after it (20 each: within the write rate), read by sato: his timeline
  // loads only the latest page.
  let last = 0;
  for (const tok of [suzuki, tanaka, ito]) {
    for (let i = 1; i <= 20; i++) last = (await post(tok, '連絡 ' + i, i)).message.seq;
  }
  await srv.api(sato, 'POST', `/api/rooms/${room}/read`, { seq: last });

  const b = await newPage(env.browser);
  await login(b, srv.base, 'sato');
  await openRoom(b, '防災係');
  const m = msgLocator(b, '来年度の防災計画の素案です');
  assert.equal(await m.count(), 0, 'not loaded at first');
  await b.getByRole('region', { name: 'ピン留め' }).getByRole('button', { name: '来年度の防災計画の素案です。' }).click();
  await m.and(b.locator('.flash')).waitFor();
  assert.ok(await m.isVisible());
  assert.deepEqual(b.errors, []);
});

test('a phone: a long press on a message opens the reactions sheet', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(p, env.srv.base, 'sato');
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  await p.locator('.timeline .messages').waitFor();
  await p.locator('#composer-input').fill('現地に到着しました。');
  await p.locator('.send-btn').tap();
  const m = msgLocator(p, '現地に到着しました');
  await m.waitFor();
  await p.locator('.msg.pending').waitFor({ state: 'detached' });

  // Touch and hold, through the DevTools protocol (the browser makes the pointer events).
  await m.locator('.bubble').scrollIntoViewIfNeeded();
  const box = await m.locator('.bubble').boundingBox();
  const at = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [at] });
  await sleep(700);
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  const sheet = p.getByRole('dialog', { name: 'リアクションを選ぶ' });
  await sheet.waitFor();
  const sb = await sheet.boundingBox();
  assert.ok(sb.y > 200 && Math.round(sb.y + sb.height) >= 843, 'a sheet at the bottom of the screen');
  await audit(p, 'phone reaction sheet');
  await shot(p, 'collab-phone-sheet');
  await sheet.getByRole('button', { name: '了解しました' }).tap();
  await m.locator('.reaction-chip[aria-pressed="true"] img[src="/stamps/ryokai.svg"]').waitFor();

  // The stamp picker is a sheet at the bottom too.
  await p.getByRole('button', { name: 'スタンプ', exact: true }).tap();
  const picker = p.getByRole('dialog', { name: 'スタンプ' });
  await picker.waitFor();
  const pb = await picker.boundingBox();
  assert.equal(Math.round(pb.width), 390);
  assert.equal(Math.round(pb.y + pb.height), 844);
  await picker.getByRole('button', { name: 'ありがとうございます' }).tap();
  await stampMsg(p, 'ありがとうございます').waitFor();
  assert.deepEqual(p.errors, []);
});
