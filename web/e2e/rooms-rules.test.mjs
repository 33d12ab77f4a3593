// Rooms with rules as a member sees them: system messages in the timeline (rename, roles),
// the member menu changing a role, an announcement room without a composer for members,
// the 利用停止 mark, quotes that follow an edit; axe on the new screens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, msgLocator, newPage, openRoom, send, until } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 240000 });
const { skip } = env;

/** The id of each login (GET /api/me with its token). */
async function ids(...logins) {
  const out = {};
  for (const l of logins) {
    const tok = await env.srv.token(l);
    out[l] = { tok, id: (await env.srv.api(tok, 'GET', '/api/me')).user.id };
  }
  return out;
}

/** A new group room of `owner` with `members` (whose first message is a system message). */
async function newRoom(u, owner, name, members) {
  const { room } = await env.srv.api(u[owner].tok, 'POST', '/api/rooms', { name, members: members.map((m) => u[m].id) });
  return room;
}

const notice = (page, text) => page.locator('.sys-note', { hasText: text });

test('system messages after a rename; the member menu makes an admin', { skip, timeout: 90000 }, async () => {
  const u = await ids('sato', 'tanaka', 'ito');
  await newRoom(u, 'sato', '避難所運営', ['tanaka', 'ito']);
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  const t = await newPage(env.browser);
  await login(t, env.srv.base, 'tanaka');
  await openRoom(p, '避難所運営');
  await openRoom(t, '避難所運営');
  // The room's creation is the first message, a centred notice without avatar or menu.
  const created = notice(p, 'あなたがトーク「避難所運営」を作成しました');
  await created.waitFor();
  await notice(t, '佐藤 花子さんがトーク「避難所運営」を作成しました').waitFor();
  assert.equal(await created.locator('.avatar, .msg-menu-btn, .read-btn').count(), 0);

  // Rename in the settings dialog: a notice for both, live; the room list says it too.
  await p.locator('.pane-details').getByRole('button', { name: 'トークの設定' }).click();
  const dlg = p.getByRole('dialog', { name: 'トークの設定' });
  await dlg.getByLabel('トーク名', { exact: true }).fill('');
  await dlg.getByRole('button', { name: '保存' }).click();
  await dlg.getByRole('alert').getByText('トーク名を入力してください').waitFor();
  await dlg.getByLabel('トーク名', { exact: true }).fill('避難所運営（第一中）');
  await dlg.getByLabel('説明', { exact: true }).fill('第一中学校の避難所の運営について');
  await dlg.getByRole('button', { name: '保存' }).click();
  await dlg.waitFor({ state: 'detached' });
  const renamed = 'トーク名を「避難所運営」から「避難所運営（第一中）」に変更しました';
  await notice(p, 'あなたが' + renamed).waitFor();
  await notice(t, '佐藤 花子さんが' + renamed).waitFor();
  await notice(t, '佐藤 花子さんがトークの説明を変更しました').waitFor();
  await t.locator('#room-title', { hasText: '避難所運営（第一中）' }).waitFor();
  await t.locator('.room-sub', { hasText: '第一中学校の避難所の運営について' }).waitFor();
  await t.locator('.room-item.active .room-preview', { hasText: '説明を変更しました' }).waitFor();

  // 田中 is a member: no settings. 佐藤 (owner) makes him an admin from the member menu.
  await t.locator('.pane-details .members .person-name').nth(2).waitFor();
  assert.equal(await t.locator('.pane-details').getByRole('button', { name: 'トークの設定' }).count(), 0);
  const members = p.locator('.pane-details .members');
  await members.getByRole('button', { name: '田中 太郎さんの操作' }).click();
  await audit(p, 'room details with the member menu open');
  await p.getByRole('menuitem', { name: '管理者にする' }).click();
  await members.locator('.member-row', { hasText: '田中 太郎' }).locator('.tag', { hasText: '管理者' }).waitFor();
  await notice(p, 'あなたが田中 太郎さんを管理者にしました').waitFor();
  await notice(t, '佐藤 花子さんがあなたを管理者にしました').waitFor();
  // What 田中 may do follows his new role, without a reload.
  await t.locator('.pane-details').getByRole('button', { name: 'トークの設定' }).waitFor();
  const room = await env.srv.roomId(u.tanaka.tok, '避難所運営（第一中）');
  const { members: list } = await env.srv.api(u.tanaka.tok, 'GET', `/api/rooms/${room}`);
  assert.equal(list.find((m) => m.user.id === u.tanaka.id).role, 'admin');
  assert.deepEqual(p.errors, []);
  assert.deepEqual(t.errors, []);
});

test('an announcement room: members read, the composer gives way to a line', { skip, timeout: 90000 }, async () => {
  const u = await ids('sato', 'tanaka', 'ito');
  await newRoom(u, 'sato', '防災お知らせ', ['tanaka', 'ito']);
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  const i = await newPage(env.browser);
  await login(i, env.srv.base, 'ito');
  await openRoom(p, '防災お知らせ');
  await openRoom(i, '防災お知らせ');
  await i.locator('#composer-input').waitFor();

  await p.locator('.pane-details').getByRole('button', { name: 'トークの設定' }).click();
  const dlg = p.getByRole('dialog', { name: 'トークの設定' });
  await dlg.getByLabel(/お知らせ専用にする/).check();
  await audit(p, 'room settings dialog');
  await dlg.getByRole('button', { name: '保存' }).click();
  await dlg.waitFor({ state: 'detached' });

  // 伊藤 (a member) sees it live: the badge, the notice, and no composer.
  await i.locator('.room-head .tag', { hasText: 'お知らせ専用' }).waitFor();
  await notice(i, 'トークのルールを「お知らせ専用」に変更しました').waitFor();
  await i.getByText('このルームはお知らせ専用です。投稿できるのは管理者のみです').waitFor();
  assert.equal(await i.locator('#composer-input').count(), 0);
  await audit(i, 'announcement room as a member');
  // The owner still posts; the member reads it.
  await send(p, '本日15時から避難訓練を行います。');
  await msgLocator(i, '本日15時から避難訓練を行います').waitFor();
  // Replying is posting: the member's message menu offers copying, not 返信.
  await msgLocator(i, '本日15時から避難訓練を行います').hover();
  await msgLocator(i, '本日15時から避難訓練を行います').getByRole('button', { name: 'メッセージの操作' }).click();
  await i.getByRole('menuitem', { name: 'コピー' }).waitFor();
  assert.equal(await i.getByRole('menuitem', { name: '返信' }).count(), 0);
  await i.keyboard.press('Escape');
  // After a reload too.
  await i.reload();
  await i.getByText('このルームはお知らせ専用です。投稿できるのは管理者のみです').waitFor();
  assert.equal(await i.locator('#composer-input').count(), 0);
  assert.deepEqual(i.errors, []);
});

test('a reply quote follows an edit of the quoted message', { skip, timeout: 90000 }, async () => {
  const t = await newPage(env.browser);
  await login(t, env.srv.base, 'tanaka');
  const i = await newPage(env.browser);
  await login(i, env.srv.base, 'ito');
  await openRoom(t, '防災係');
  await openRoom(i, '防災係');
  await send(t, '訓練の集合は10時です');
  const original = msgLocator(i, '訓練の集合は10時です');
  await original.waitFor();
  await original.getByRole('button', { name: 'メッセージの操作' }).click();
  await i.getByRole('menuitem', { name: '返信' }).click();
  await send(i, '了解しました');
  const reply = msgLocator(i, '了解しました');
  await reply.locator('.quote-body', { hasText: '訓練の集合は10時です' }).waitFor();

  const mine = msgLocator(t, '訓練の集合は10時です');
  await mine.getByRole('button', { name: 'メッセージの操作' }).click();
  await t.getByRole('menuitem', { name: '編集' }).click();
  await t.getByLabel('編集').fill('訓練の集合は11時です');
  await t.getByLabel('編集').press('Enter');
  // Live for 伊藤 (and for 田中): the quote's new text, marked as edited.
  for (const page of [i, t]) {
    const q = msgLocator(page, '了解しました').locator('.quote');
    await q.locator('.quote-body', { hasText: '訓練の集合は11時です' }).waitFor();
    await q.locator('.quote-edited', { hasText: '編集済み' }).waitFor();
  }
  // And as the server keeps it.
  await i.reload();
  await msgLocator(i, '了解しました').locator('.quote-body', { hasText: '訓練の集合は11時です' }).waitFor();
  await msgLocator(i, '了解しました').locator('.quote-edited').waitFor();
  assert.deepEqual(i.errors, []);
});

test('a disabled account is marked 利用停止 where it appears', { skip, timeout: 90000 }, async () => {
  // Demo data: 西村 健一 (防災係) has left, his account disabled; he stays a member, marked.
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '防災係');
  const details = p.locator('.pane-details');
  const row = details.locator('.members .member-row', { hasText: '西村 健一' });
  await row.locator('.tag', { hasText: '利用停止' }).waitFor();
  assert.match(await row.locator('.person-sub').innerText(), /市民生活部 › 危機管理課 › 防災係/);
  await row.locator('.person').click();
  const prof = details.locator('.profile');
  await prof.locator('.profile-name .tag', { hasText: '利用停止' }).waitFor();
  await prof.getByText('このアカウントは利用停止中です').waitFor();
  assert.equal(await prof.getByRole('button', { name: 'トークを開始' }).count(), 0);
  await audit(p, 'profile of a disabled account');
  // An active colleague's profile: the whole 所属 path and the 内線.
  await openRoom(p, '防災係');
  await details.locator('.members .member-row', { hasText: '伊藤 美咲' }).locator('.person').click();
  await prof.getByText('市民生活部 › 危機管理課 › 防災係').waitFor();
  await prof.getByText('3130').waitFor();
  assert.deepEqual(p.errors, []);
});

test('全職員 (demo): official, announcements only; a member can neither post nor leave', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '全職員');
  await p.locator('.room-head .tag', { hasText: '公式' }).waitFor();
  await p.locator('.room-head .tag', { hasText: 'お知らせ専用' }).waitFor();
  await p.getByText('このルームはお知らせ専用です。投稿できるのは管理者のみです').waitFor();
  assert.equal(await p.locator('#composer-input').count(), 0);
  const details = p.locator('.pane-details');
  await details.getByText('公式ルームのため退出できません').waitFor();
  assert.equal(await details.getByRole('button', { name: 'このトークから退出' }).count(), 0);
  assert.equal(await details.getByRole('button', { name: 'トークの設定' }).count(), 0);
  await audit(p, 'an official announcement room as a member');
  assert.deepEqual(p.errors, []);
});
