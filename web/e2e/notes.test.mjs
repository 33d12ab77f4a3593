// ノート in real Chromium against the real server: create a note and see it rendered; the same
// note edited in two browsers (a PC and a phone), the second save showing the conflict with
// both texts, resolved both ways; versions with their diff and a restore; a javascript: link
// that is never a link; axe on each new screen.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, newPage, openRoom } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 300000 });
const { skip } = env;

async function ids(...logins) {
  const out = {};
  for (const l of logins) {
    const tok = await env.srv.token(l);
    out[l] = { tok, id: (await env.srv.api(tok, 'GET', '/api/me')).user.id };
  }
  return out;
}

/** A new group room (its id) of `owner` with `members`. */
async function newRoom(u, owner, name, members) {
  const { room } = await env.srv.api(u[owner].tok, 'POST', '/api/rooms', { name, members: members.map((m) => u[m].id) });
  return room.id;
}

const notice = (page, text) => page.locator('.sys-note', { hasText: text });
const sheet = (page) => page.locator('.note-sheet');

/** Types into the note editor's fields (the body's textarea by its label). */
async function write(page, { title, body }) {
  const s = sheet(page);
  if (title !== undefined) await s.getByLabel('タイトル', { exact: true }).fill(title);
  if (body !== undefined) await s.locator('.note-textarea').fill(body);
}

test('create a note; two browsers edit it: the conflict shows both texts and is resolved', { skip, timeout: 200000 }, async () => {
  const u = await ids('sato', 'tanaka');
  const room = await newRoom(u, 'sato', '避難訓練メモ', ['tanaka']);
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  const t = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(t, env.srv.base, 'tanaka');
  await openRoom(p, '避難訓練メモ');

  // 佐藤 (PC) creates a note from the room header: the preview stands beside the text.
  await p.locator('.room-head').getByRole('button', { name: 'ノート' }).click();
  await p.locator('.notes-panel').getByText('ノートはまだありません').waitFor();
  await p.getByRole('button', { name: '新しいノート' }).click();
  await sheet(p).waitFor();
  const body1 = '# 手順\n- [ ] 集合\n- [x] 点呼\n\n| 係 | 担当 |\n|---|---|\n| 誘導 | 佐藤 |\n\n**安全第一**で。';
  await write(p, { title: '訓練の手順', body: body1 });
  await sheet(p).locator('.note-preview h3', { hasText: '手順' }).waitFor();
  await audit(p, 'note editor (PC)');
  await sheet(p).getByRole('button', { name: '保存' }).click();
  const view = sheet(p).locator('.note-view');
  await view.locator('h3', { hasText: '手順' }).waitFor();
  assert.equal(await view.locator('.md-check.is-on').count(), 1);
  assert.equal(await view.locator('.md-check:not(.is-on)').count(), 1);
  assert.equal(await view.locator('td', { hasText: '佐藤' }).count(), 1);
  assert.equal(await view.locator('strong', { hasText: '安全第一' }).count(), 1);
  await sheet(p).getByText('版1').waitFor();
  await audit(p, 'note view (PC)');
  await p.locator('.notes-panel .note-item', { hasText: '訓練の手順' }).waitFor();

  // 田中 (phone) opens it from the timeline's notice.
  await t.locator('.room-item', { has: t.locator('.room-name', { hasText: '避難訓練メモ' }) }).tap();
  await notice(t, '佐藤 花子さんがノート「訓練の手順」を作成しました').locator('button').tap();
  await sheet(t).locator('.note-view h3', { hasText: '手順' }).waitFor();
  assert.equal(new URL(t.url()).pathname, `/rooms/${room}/notes/${(await env.srv.api(u.tanaka.tok, 'GET', `/api/rooms/${room}/notes`)).notes[0].id}`);
  await audit(t, 'note view (phone)');

  // Both edit version 1. 佐藤 saves first; 田中's editor says so while he writes.
  await sheet(p).getByRole('button', { name: '編集' }).click();
  await sheet(t).getByRole('button', { name: '編集' }).tap();
  await sheet(t).getByRole('tab', { name: 'プレビュー' }).waitFor();
  await audit(t, 'note editor (phone)');
  await write(p, { body: body1 + '\nA: 佐藤の追記' });
  await sheet(p).getByRole('button', { name: '保存' }).click();
  await sheet(p).getByText('版2').waitFor();
  await sheet(t).getByText('佐藤 花子さんが版2を保存しました').waitFor();
  await write(t, { body: body1 + '\nB: 田中の追記' });
  await sheet(t).getByRole('button', { name: '保存' }).tap();

  // The conflict: their version (with A) and his unsaved text (with B), both on screen.
  const theirs = sheet(t).locator('.note-theirs');
  await theirs.getByText('相手の版（版2・佐藤 花子さん）').waitFor();
  assert.ok((await theirs.locator('.note-plain').innerText()).includes('A: 佐藤の追記'));
  assert.ok((await sheet(t).locator('.note-textarea').inputValue()).includes('B: 田中の追記'));
  await sheet(t).getByText('同時に編集されました').waitFor();
  await audit(t, 'note conflict (phone)');

  // 自分の内容で上書き保存: version 3 is his; 佐藤's open note follows live.
  await sheet(t).getByRole('button', { name: '自分の内容で上書き保存' }).tap();
  await sheet(t).locator('.note-view', { hasText: 'B: 田中の追記' }).waitFor();
  await sheet(t).getByText('版3').waitFor();
  await sheet(p).locator('.note-view', { hasText: 'B: 田中の追記' }).waitFor();
  await sheet(p).getByText('版3').waitFor();

  // Again, now resolved with 相手の版を読み込む: his text stays in view, unsaved.
  await sheet(p).getByRole('button', { name: '編集' }).click();
  await sheet(t).getByRole('button', { name: '編集' }).tap();
  await write(p, { body: '佐藤の版4' });
  await sheet(p).getByRole('button', { name: '保存' }).click();
  await sheet(p).locator('.note-meta').getByText('版4').waitFor();
  await write(t, { body: '田中の下書き' });
  await sheet(t).getByRole('button', { name: '保存' }).tap();
  await sheet(t).getByRole('button', { name: '相手の版を読み込む' }).tap();
  assert.equal(await sheet(t).locator('.note-textarea').inputValue(), '佐藤の版4');
  await sheet(t).locator('.note-kept', { hasText: '田中の下書き' }).waitFor();
  await write(t, { body: '佐藤の版4\n田中の追記' });
  await sheet(t).getByRole('button', { name: '保存' }).tap();
  await sheet(t).getByText('版5').waitFor();
  await sheet(p).locator('.note-view', { hasText: '田中の追記' }).waitFor();

  const n = (await env.srv.api(u.sato.tok, 'GET', `/api/rooms/${room}/notes`)).notes[0];
  assert.equal(n.version, 5);
  assert.deepEqual(p.errors, []);
  assert.deepEqual(t.errors, []);
});

test('versions: the diff of each, and 「この版に戻す」; delete', { skip, timeout: 120000 }, async () => {
  const u = await ids('sato', 'tanaka');
  const room = await newRoom(u, 'sato', '議事録置き場', ['tanaka']);
  const path = `/api/rooms/${room}/notes`;
  const { note } = await env.srv.api(u.sato.tok, 'POST', path, { title: '第1回会議', body: '日時: 4月1日\n場所: 3階会議室\n議題: 予算' });
  await env.srv.api(u.tanaka.tok, 'PUT', `${path}/${note.id}`, {
    title: '第1回会議',
    body: '日時: 4月1日\n場所: 4階大会議室\n議題: 予算',
    base_version: 1,
  });
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'sato');
  await p.goto(`${env.srv.base}/rooms/${room}/notes/${note.id}`);
  const s = sheet(p);
  await s.locator('.note-view', { hasText: '4階大会議室' }).waitFor();

  // The history: 版2 (current) by 田中 shows what changed from 版1.
  await s.getByRole('button', { name: '履歴' }).click();
  await s.locator('.note-version', { hasText: '版2' }).getByText('現在').waitFor();
  await s.locator('.note-version', { hasText: '版1' }).waitFor();
  await s.getByText('版1から版2への変更').waitFor();
  await s.locator('.diff-del', { hasText: '場所: 3階会議室' }).waitFor();
  await s.locator('.diff-add', { hasText: '場所: 4階大会議室' }).waitFor();
  assert.equal(await s.locator('.diff-same', { hasText: '議題: 予算' }).count(), 1);
  await audit(p, 'note history');

  // Back to 版1: a new version 3 with its content, marked as restored.
  await s.locator('.note-version', { hasText: '版1' }).click();
  await s.getByRole('button', { name: 'この版に戻す' }).click();
  await p.getByRole('dialog').getByRole('button', { name: 'この版に戻す' }).last().click();
  await s.locator('.note-version', { hasText: '版3' }).getByText('版1から復元').waitFor();
  await notice(p, 'あなたがノート「第1回会議」を版1に戻しました').waitFor();
  await s.getByRole('button', { name: 'ノートに戻る' }).click();
  await s.locator('.note-view', { hasText: '3階会議室' }).waitFor();
  const v = (await env.srv.api(u.sato.tok, 'GET', `${path}/${note.id}`)).note;
  assert.equal(v.version, 3);
  assert.equal(v.body, '日時: 4月1日\n場所: 3階会議室\n議題: 予算');

  // Pinned as an announcement: the pinned bar above the timeline opens it again.
  await s.getByRole('button', { name: 'ノートの操作' }).click();
  await p.getByRole('menuitem', { name: 'お知らせとしてピン留め' }).click();
  await p.locator('.toast', { hasText: 'ピン留めしました' }).waitFor();
  await s.getByRole('button', { name: '閉じる' }).click();
  await s.waitFor({ state: 'detached' });
  await p.locator('.pinned-bar .pin-open', { hasText: 'ノート「第1回会議」' }).click();
  await s.locator('.note-view', { hasText: '3階会議室' }).waitFor();

  // Delete (the creator may): the room's notes are none, the timeline says so.
  await s.getByRole('button', { name: 'ノートの操作' }).click();
  await p.getByRole('menuitem', { name: '削除' }).click();
  await p.getByRole('dialog').getByRole('button', { name: '削除' }).last().click();
  await s.waitFor({ state: 'detached' });
  await p.locator('.pane-details').getByRole('button', { name: 'ノート（0）' }).waitFor();
  await notice(p, 'あなたがノート「第1回会議」を削除しました').waitFor();
  assert.deepEqual(p.errors, []);
});

test("a note's javascript: link is not a link", { skip, timeout: 90000 }, async () => {
  const u = await ids('sato', 'tanaka');
  await newRoom(u, 'sato', 'リンク確認', ['tanaka']);
  const p = await newPage(env.browser);
  let alerted = false;
  p.on('dialog', (d) => {
    alerted = true;
    void d.dismiss();
  });
  await login(p, env.srv.base, 'sato');
  await openRoom(p, 'リンク確認');
  await p.locator('.room-head').getByRole('button', { name: 'ノート' }).click();
  await p.getByRole('button', { name: '新しいノート' }).click();
  const s = sheet(p);

  // The preview: the javascript: link is its text; the https one is a link.
  await write(p, { title: 'リンク', body: '[押してね](javascript:alert(1)) と [市のサイト](https://www.city.example.jp/)' });
  const preview = s.locator('.note-preview');
  await preview.getByText('[押してね](javascript:alert(1))').waitFor();
  assert.deepEqual(await preview.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['https://www.city.example.jp/']);
  // The server refuses to save it, precisely; the text stays.
  await s.getByRole('button', { name: '保存' }).click();
  await s.locator('.note-error', { hasText: 'scheme not allowed' }).waitFor();
  assert.ok((await s.locator('.note-textarea').inputValue()).includes('javascript:alert(1)'));

  // What the server keeps (a bare javascript: text, HTML) is shown as text.
  await write(p, { body: 'javascript:alert(1) と <script>alert(1)</script><img src=x onerror=alert(1)> と [市](https://www.city.example.jp/)' });
  await s.getByRole('button', { name: '保存' }).click();
  const view = s.locator('.note-view');
  await view.getByText('<script>alert(1)</script>', { exact: false }).waitFor();
  assert.deepEqual(await view.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))), ['https://www.city.example.jp/']);
  assert.equal(await view.locator('script, img, iframe').count(), 0);
  assert.equal(await p.locator('.note-sheet a[href^="javascript"]').count(), 0);
  assert.equal(alerted, false);
  assert.deepEqual(p.errors, []);
});
