// The rest of what a newcomer sees: staying logged in, logging out, the member picker
// (org tree, search by reading), 1:1 and group rooms, profiles and the status line, edit and
// delete, the unread divider and title count, history paging, language, keyboard use.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  login,
  msgLocator,
  newPage,
  openRoom,
  send,
  until,
  waitLive,
  browserSuite,
  appears,
} from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 240000 });
const { skip } = env;

test('stays logged in across reloads; logs out', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  // A wrong password is refused with a clear message.
  await p.goto(env.srv.base + '/');
  await p.getByLabel('自治体コード').fill('999001');
  await p.getByLabel('ログインID').fill('tanaka');
  await p.getByLabel('パスワード').fill('wrong-password');
  await p.getByRole('button', { name: 'ログイン' }).click();
  await p.getByRole('alert').getByText('正しくありません').waitFor();

  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  await p.reload();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();
  await waitLive(p);
  await p.getByRole('button', { name: /アカウントメニュー/ }).click();
  await p.getByRole('menuitem', { name: 'ログアウト' }).click();
  await appears(p, p.getByRole('button', { name: 'ログイン' }), 'the login page after logout');
  await p.reload();
  await appears(p, p.getByRole('button', { name: 'ログイン' }), 'the login page after a reload');
  assert.equal(await p.locator('.room-item').count(), 0);
  assert.deepEqual(p.errors, []);
});

test('member picker: search by reading, org tree; start a 1:1 and a group', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await p.getByRole('button', { name: '新規トーク' }).click();
  const dlg = p.getByRole('dialog', { name: '新規トーク' });
  await dlg.waitFor();

  // Typing the reading たなか finds both 田中.
  await dlg.getByLabel('職員を検索').fill('たなか');
  await dlg.locator('[data-list=search] .person-name').first().waitFor();
  const found = await dlg.locator('[data-list=search] .person-name').allInnerTexts();
  assert.deepEqual(found.map((s) => s.trim()), ['田中 太郎', '田中 優子']);
  // Katakana works too.
  await dlg.getByLabel('職員を検索').fill('ワタナベ');
  await dlg.locator('[data-list=search] .person-name', { hasText: '渡辺 誠' }).waitFor();

  // Browse the org tree: 市民生活部 → 市民課 → 住民記録係 → 田中 優子.
  await dlg.getByLabel('職員を検索').fill('');
  await dlg.getByRole('button', { name: '市民生活部', exact: true }).click();
  await dlg.getByRole('button', { name: '市民課', exact: true }).click();
  await dlg.getByRole('button', { name: '住民記録係', exact: true }).click();
  assert.equal(await dlg.getByRole('button', { name: '住民記録係', exact: true }).getAttribute('aria-expanded'), 'true');
  await dlg.locator('.person-name', { hasText: '田中 優子' }).click();
  await p.locator('#room-title', { hasText: '田中 優子' }).waitFor();
  await send(p, '住民記録係の件でご相談があります。');
  await msgLocator(p, '住民記録係の件でご相談があります').waitFor();

  // A group room with two members, picked by search.
  await p.getByRole('button', { name: '新規トーク' }).click();
  await dlg.getByRole('tab', { name: 'グループを作成' }).click();
  await dlg.getByLabel('グループ名').fill('避難所運営チーム');
  for (const [q, name] of [
    ['いとう', '伊藤 美咲'],
    ['すずき', '鈴木 一郎'],
  ]) {
    await dlg.getByLabel('職員を検索').fill(q);
    await dlg.locator('label.person', { hasText: name }).locator('input').check();
  }
  await dlg.getByRole('button', { name: '作成' }).click();
  await p.locator('#room-title', { hasText: '避難所運営チーム' }).waitFor();
  await p.locator('.room-sub', { hasText: '3人' }).waitFor();
  // The member list loads on its own (after the room's header): wait for its third name.
  await p.locator('.pane-details .members .person-name').nth(2).waitFor();
  const members = await p.locator('.pane-details .members .person-name').allInnerTexts();
  assert.equal(members.length, 3);

  // 伊藤 sees the new room; a rename shows up live; leaving removes it from her list.
  const ito = await newPage(env.browser);
  await login(ito, env.srv.base, 'ito');
  await ito.locator('.room-name', { hasText: '避難所運営チーム' }).waitFor();
  await p.locator('.pane-details').getByRole('button', { name: 'トークの設定' }).click();
  const settings = p.getByRole('dialog', { name: 'トークの設定' });
  await settings.getByLabel('トーク名').fill('避難所運営チーム（第一中）');
  await settings.getByRole('button', { name: '保存' }).click();
  await p.locator('#room-title', { hasText: '避難所運営チーム（第一中）' }).waitFor();
  await ito.locator('.room-name', { hasText: '避難所運営チーム（第一中）' }).waitFor();
  await openRoom(ito, '避難所運営チーム（第一中）');
  await ito.getByRole('button', { name: 'このトークから退出' }).click();
  await ito.getByRole('dialog', { name: '確認' }).getByRole('button', { name: '退出' }).click();
  await ito.locator('.room-name', { hasText: '避難所運営チーム' }).waitFor({ state: 'detached' });
  assert.equal(new URL(ito.url()).pathname, '/');
  await p.locator('.room-sub', { hasText: '2人' }).waitFor();
  assert.deepEqual(p.errors, []);
  assert.deepEqual(ito.errors, []);
});

test('profiles: colleagues and my own status line', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  await p.locator('.pane-details .members').getByText('伊藤 美咲').click();
  const prof = p.locator('.pane-details .profile');
  await prof.locator('.profile-name', { hasText: '伊藤 美咲' }).waitFor();
  assert.match(await prof.innerText(), /防災係/);
  assert.match(await prof.innerText(), /主事/);
  assert.match(await prof.innerText(), /午後から避難所の現地確認/);

  await p.getByRole('button', { name: /アカウントメニュー/ }).click();
  await p.getByRole('menuitem', { name: 'プロフィール' }).click();
  await prof.locator('.profile-name', { hasText: '田中 太郎' }).waitFor();
  await prof.getByRole('button', { name: 'ひとことを編集' }).click();
  await prof.getByLabel('ひとこと').fill('本日は第2庁舎3F 防災対策室');
  await prof.getByRole('button', { name: '保存' }).click();
  await prof.getByText('本日は第2庁舎3F 防災対策室').waitFor();
  const me = await env.srv.api(await env.srv.token('tanaka'), 'GET', '/api/me');
  assert.equal(me.user.status, '本日は第2庁舎3F 防災対策室');
});

test('edit and delete; unread divider; title count; older history on scroll', { skip, timeout: 120000 }, async () => {
  const sato = await env.srv.token('sato');
  const room = await env.srv.roomId(sato, '危機管理課');
  // 130 messages, so that history comes in several pages; suzuki has read all but 6. Five
  // colleagues post them, each within the per-user burst (30) of the message rate.
  const senders = [sato];
  for (const l of ['takahashi', 'aoki', 'ito', 'tanaka']) senders.push(await env.srv.token(l));
  let lastSeq = 0;
  for (let i = 1; i <= 130; i++) {
    const from = senders[i % senders.length];
    const r = await env.srv.api(from, 'POST', `/api/rooms/${room}/messages`, { client_id: `e2e-bulk-${i}`, body: `連絡事項 ${i} 件目` });
    lastSeq = r.message.seq;
  }
  const suzuki = await env.srv.token('suzuki');
  await env.srv.api(suzuki, 'POST', `/api/rooms/${room}/read`, { seq: lastSeq - 6 });
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'suzuki');
  // Unread count in the title, and on the room.
  await until(async () => /^\(\d+\) tonari$/.test(await p.title()), { what: 'unread count in the title' });
  const item = p.locator('.room-item', { has: p.locator('.room-name', { hasText: '危機管理課' }) });
  assert.equal(await item.locator('.badge').innerText(), '6');
  await openRoom(p, '危機管理課');
  await p.locator('#unread-divider').waitFor();
  // The divider stands right before the first unread message.
  const afterDivider = await p.locator('#unread-divider + li.msg').getAttribute('data-seq');
  assert.equal(Number(afterDivider), lastSeq - 5);
  assert.ok((await p.locator('.messages > li.msg').count()) < 100, 'only the latest page at first');
  // Older history loads when scrolled to the top, up to the very first message.
  const tl = p.locator('.timeline');
  for (let i = 0; i < 20; i++) {
    if (await p.locator('.tl-note', { hasText: 'このトークの最初のメッセージです' }).count()) break;
    await tl.evaluate((el) => (el.scrollTop = 0));
    await p.waitForTimeout(300);
  }
  await p.locator('.tl-note', { hasText: 'このトークの最初のメッセージです' }).waitFor();
  // Every seq, the room's system messages (its creation) included.
  const seqs = await p.locator('.messages > li[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.equal(seqs[0], 1);
  assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));

  // Edit and delete my own message.
  await tl.evaluate((el) => (el.scrollTop = el.scrollHeight));
  await send(p, '誤字のあるメッセージでs');
  await msgLocator(p, '誤字のあるメッセージでs').waitFor();
  await p.locator('.msg.pending').waitFor({ state: 'detached' });
  const seq = await msgLocator(p, '誤字のあるメッセージでs').getAttribute('data-seq');
  const m = p.locator(`#m-${seq}`);
  await m.hover();
  await m.getByRole('button', { name: 'メッセージの操作' }).click();
  await p.getByRole('menuitem', { name: '編集' }).click();
  const edit = m.getByLabel('編集');
  await edit.fill('誤字を直したメッセージです');
  await edit.press('Enter');
  const fixed = m;
  await fixed.locator('.edited').waitFor();
  assert.equal(await fixed.locator('.msg-body').innerText(), '誤字を直したメッセージです');
  await fixed.hover();
  await fixed.getByRole('button', { name: 'メッセージの操作' }).click();
  await p.getByRole('menuitem', { name: '削除' }).click();
  await p.getByRole('dialog', { name: '確認' }).getByRole('button', { name: '削除' }).click();
  await m.locator('.deleted-text').waitFor();
  assert.equal(await msgLocator(p, '誤字を直したメッセージです').count(), 0);
  // Opening the room marked it read: no badge left on it.
  await item.locator('.badge').waitFor({ state: 'detached' });
  assert.deepEqual(p.errors, []);
});

test('keyboard: move through the room list with arrows, open with Enter; English', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'takahashi');
  await p.getByRole('searchbox', { name: '検索', exact: true }).focus();
  await p.keyboard.press('ArrowDown');
  const first = await p.evaluate(() => document.activeElement?.getAttribute('data-room'));
  await p.keyboard.press('ArrowDown');
  const second = await p.evaluate(() => document.activeElement?.getAttribute('data-room'));
  assert.ok(first && second && first !== second);
  await p.keyboard.press('Enter');
  await p.waitForURL(`**/rooms/${second}`);
  await p.locator('#room-title').waitFor();
  // The focused element is visibly outlined.
  await p.locator('#composer-input').focus();
  await p.keyboard.press('Shift+Tab');
  const outline = await p.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  // Filter box.
  await p.getByRole('searchbox', { name: '検索', exact: true }).fill('訓練');
  assert.equal(await p.locator('.room-item').count(), 1);
  // Switch to English.
  await p.getByRole('button', { name: /アカウントメニュー/ }).click();
  await p.getByRole('menuitem', { name: 'English' }).click();
  await p.getByRole('button', { name: 'New chat' }).waitFor();
  assert.equal(await p.evaluate(() => document.documentElement.lang), 'en');
  await p.reload();
  await p.getByRole('button', { name: 'New chat' }).waitFor();
});

test('notifications for mentions and 1:1 messages while the tab is hidden', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  // A recording Notification (permission granted) and a switch for document.visibilityState.
  await p.addInitScript(() => {
    window.__shown = [];
    window.__hidden = false;
    class FakeNotification {
      static permission = 'granted';
      static requestPermission() {
        return Promise.resolve('granted');
      }
      constructor(title, opts) {
        window.__shown.push({ title, body: opts?.body });
      }
      close() {}
    }
    window.Notification = FakeNotification;
    Object.defineProperty(document, 'visibilityState', { get: () => (window.__hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { get: () => window.__hidden });
  });
  await login(p, env.srv.base, 'watanabe');
  await p.evaluate(() => (window.__hidden = true));
  const hayashi = await env.srv.token('hayashi');
  const room = await env.srv.roomId(hayashi, '道路維持 現場連絡');
  const me = (await env.srv.api(await env.srv.token('watanabe'), 'GET', '/api/me')).user;
  // A plain group message: no notification. A mention and a 1:1 message: one each.
  await env.srv.api(hayashi, 'POST', `/api/rooms/${room}/messages`, { client_id: 'n-1', body: '本日の巡回は終了しました' });
  await env.srv.api(hayashi, 'POST', `/api/rooms/${room}/messages`, { client_id: 'n-2', body: '@渡辺 誠 写真を確認してください', mentions: [me.id] });
  const direct = (await env.srv.api(hayashi, 'POST', '/api/direct', { user: me.id })).room.id;
  await env.srv.api(hayashi, 'POST', `/api/rooms/${direct}/messages`, { client_id: 'n-3', body: '明日の件で電話します' });
  const shown = await until(async () => {
    const s = await p.evaluate(() => window.__shown);
    return s.length >= 2 && s;
  }, { what: 'two notifications' });
  await p.waitForTimeout(500);
  const all = await p.evaluate(() => window.__shown);
  assert.equal(all.length, 2, JSON.stringify(all));
  assert.match(shown[0].title, /道路維持 現場連絡/);
  assert.match(shown[0].body, /写真を確認/);
  assert.match(shown[1].title, /林 健太/);
  assert.match(shown[1].body, /電話します/);
  assert.match(await p.title(), /^\(\d+\) tonari$/);
});

test('a draft is kept per room, also across a reload', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'ito');
  await openRoom(p, '危機管理課');
  await p.locator('#composer-input').fill('危機管理課向けの下書き');
  await openRoom(p, '防災訓練プロジェクト');
  assert.equal(await p.locator('#composer-input').inputValue(), '');
  await p.locator('#composer-input').fill('訓練の下書き');
  await openRoom(p, '危機管理課');
  assert.equal(await p.locator('#composer-input').inputValue(), '危機管理課向けの下書き');
  await p.waitForTimeout(600); // drafts are saved shortly after typing
  await p.reload();
  await p.locator('#room-title', { hasText: '危機管理課' }).waitFor();
  assert.equal(await p.locator('#composer-input').inputValue(), '危機管理課向けの下書き');
  await openRoom(p, '防災訓練プロジェクト');
  assert.equal(await p.locator('#composer-input').inputValue(), '訓練の下書き');
});
