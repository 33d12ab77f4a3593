// Full-text search in real Chromium against the real server, on a PC and on a phone: the
// search box (`/`, Ctrl+K, the room list's box, a room's header), the results with their
// matches marked (as text: markup in a message stays text), the filters (kind, sender,
// room), and a result
// opened in its room at that message with the history around it (not the newest page),
// paging on to the newest; on a phone, back brings the results again. axe on the view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, newPage, shot } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 240000 });
const { skip } = env;

const WORD = '避難所運営マニュアル';
const TARGET = `来年度の${WORD}改訂について、各係の意見を集約します。<b>太字ではありません</b>`;
const FILLERS = 60;

/**
 * In 防災係: the target message, then FILLERS more (so it is not in the newest page), a note
 * with the word in its title; in 危機管理課 another message with the word. 高橋 (the one who
 * searches, a member of both) has read everything, so a room opens at its newest 50.
 */
async function seed() {
  const srv = env.srv;
  const tok = {};
  for (const l of ['sato', 'tanaka', 'suzuki', 'ito', 'aoki', 'takahashi']) tok[l] = await srv.token(l);
  const bosai = await srv.roomId(tok.sato, '防災係');
  const kiki = await srv.roomId(tok.sato, '危機管理課');
  const post = (who, room, body) => srv.api(tok[who], 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-' + Math.random(), body });
  const target = (await post('sato', bosai, TARGET)).message.seq;
  // Four senders: each stays within their burst of messages.
  const senders = ['tanaka', 'suzuki', 'ito', 'sato'];
  let last = 0;
  for (let i = 1; i <= FILLERS; i++) last = (await post(senders[i % 4], bosai, `連絡事項 第${i}報：本日の当番は通常どおりです。`)).message.seq;
  const { note } = await srv.api(tok.sato, 'POST', `/api/rooms/${bosai}/notes`, { title: `${WORD}（改訂案）`, body: '第1章 開設の手順\n第2章 受付' });
  await post('aoki', kiki, `${WORD}の印刷は来週になります。`);
  for (const room of [bosai, kiki]) {
    const { messages } = await srv.api(tok.takahashi, 'GET', `/api/rooms/${room}/messages?limit=1`);
    await srv.api(tok.takahashi, 'POST', `/api/rooms/${room}/read`, { seq: messages[0].seq });
  }
  return { bosai, kiki, target, last, note: note.id };
}

const results = (p) => p.locator('.sr-list .sr-item');
const chip = (view, label) => view.locator('.search-chip', { hasText: label });

async function resultTexts(p) {
  await p.locator('.search-status', { hasText: /件|該当/ }).waitFor();
  return results(p).allInnerTexts();
}

test('PC: search from the room list, filter, open a result in its context', { skip, timeout: 150000 }, async () => {
  const s = await seed();
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'takahashi');

  // `/` focuses the room list's box; Enter searches the messages.
  await p.locator('body').press('/');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'room-search');
  await p.keyboard.type(WORD);
  await p.locator('.search-run', { hasText: WORD }).waitFor();
  await p.keyboard.press('Enter');
  await p.waitForURL('**/search');
  const view = p.locator('.search-view');
  await view.waitFor();
  // The view fills its box from the URL once it has rendered: wait for it, do not sample.
  await p.waitForFunction((w) => document.querySelector('#search-q')?.value === w, WORD);
  assert.equal(await p.locator('#room-search').inputValue(), '', 'the room list shows every room again');

  // Newest first: the message in 危機管理課, the note, the message in 防災係.
  let texts = await resultTexts(p);
  assert.equal(texts.length, 3, texts.join('\n---\n'));
  assert.match(texts[0], /危機管理課/);
  assert.match(texts[1], /ノート/);
  assert.match(texts[2], /防災係/);
  assert.equal(await view.locator('.search-status').innerText(), '3件');
  // The matches are marked; a message's markup is its text.
  const marks = await view.locator('.sr-item mark').allInnerTexts();
  assert.ok(marks.length >= 3 && marks.every((m) => m === WORD), marks.join(','));
  const snippet = results(p).nth(2).locator('.sr-snippet');
  assert.match(await snippet.innerText(), /<b>太字ではありません<\/b>/);
  assert.equal(await snippet.locator('b').count(), 0);
  await audit(p, 'search results (PC)');
  await shot(p, 'search-pc');

  // Filters: the kind chips, then a room under 絞り込み.
  await chip(view, 'ノート').click();
  texts = await resultTexts(p);
  assert.equal(texts.length, 1);
  assert.match(texts[0], new RegExp(`${WORD}（改訂案）`));
  await chip(view, 'すべて').click();
  // The sender: looked up by reading, picked with the keyboard.
  await view.getByRole('button', { name: '絞り込み' }).click();
  const sender = view.getByRole('combobox', { name: '送信者' });
  await sender.fill('あおき');
  await view.getByRole('option', { name: /青木 綾/ }).waitFor();
  await sender.press('ArrowDown');
  await sender.press('Enter');
  texts = await resultTexts(p);
  assert.equal(texts.length, 1);
  assert.match(texts[0], /危機管理課/);
  await view.getByRole('button', { name: /送信者の指定を解除/ }).click();
  assert.equal((await resultTexts(p)).length, 3);
  await view.getByLabel('トーク', { exact: true }).selectOption({ label: '防災係' });
  texts = await resultTexts(p);
  assert.equal(texts.length, 2);
  await view.getByRole('button', { name: '絞り込み（1）' }).waitFor();
  await chip(view, 'メッセージ').click();
  texts = await resultTexts(p);
  assert.equal(texts.length, 1);
  await audit(p, 'search filters (PC)');

  // Opened: the room at that message, the history around it (not the newest page), the
  // results still beside it.
  await results(p).first().click();
  await p.waitForURL(`**/rooms/${s.bosai}/search`);
  const target = p.locator(`#m-${s.target}`);
  await target.waitFor();
  await p.locator(`#m-${s.target}.flash`).waitFor();
  const tl = await p.locator('.timeline').boundingBox();
  const tb = await target.boundingBox();
  assert.ok(tb.y >= tl.y && tb.y + tb.height <= tl.y + tl.height, 'the message is in view');
  assert.equal(await p.locator(`#m-${s.last}`).count(), 0, 'the newest message is not loaded');
  assert.ok(await view.isVisible());
  assert.equal(await p.evaluate(() => document.activeElement?.classList.contains('sr-item')), true);
  // Scrolled down, the newer history comes page by page to the newest.
  for (let i = 0; i < 20 && !(await p.locator(`#m-${s.last}`).count()); i++) {
    await p.locator('.timeline').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await p.waitForTimeout(300);
  }
  await p.locator(`#m-${s.last}`).waitFor();
  const seqs = await p.locator('.messages > li[data-seq]').evaluateAll((els) => els.map((e) => Number(e.dataset.seq)));
  assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'no holes');

  // Ctrl+K goes back to the view's box; the note result opens the note.
  await p.locator('.timeline').focus();
  await p.keyboard.press('Control+k');
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'search-q');
  await chip(view, 'すべて').click();
  await view.locator('.sr-note').click();
  await p.waitForURL(`**/rooms/${s.bosai}/notes/${s.note}`);
  await p.locator('.note-sheet').getByText('第1章 開設の手順').waitFor();
  assert.deepEqual(p.errors, []);
});

test('phone: search from a room, full-screen results, open in context, back to them', { skip, timeout: 150000 }, async () => {
  const s = await seed();
  const p = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(p, env.srv.base, 'takahashi');
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();

  // The header's search: the view alone on the screen, searching this room.
  await p.locator('.room-head').getByRole('button', { name: 'このトーク内を検索' }).tap();
  await p.waitForURL(`**/rooms/${s.bosai}/search`);
  const view = p.locator('.search-view');
  await view.waitFor();
  assert.ok(!(await p.locator('.pane-room').isVisible()));
  assert.equal(Math.round((await view.boundingBox()).width), 390);
  assert.equal(await p.evaluate(() => document.activeElement?.id), 'search-q');
  assert.equal(await view.getByLabel('トーク', { exact: true }).inputValue(), String(s.bosai));
  await p.locator('#search-q').fill(WORD);
  await p.locator('#search-q').press('Enter');
  let texts = await resultTexts(p);
  assert.equal(texts.length, 2, texts.join('\n---\n'));
  await chip(view, 'メッセージ').tap();
  texts = await resultTexts(p);
  assert.equal(texts.length, 1);
  assert.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'no horizontal scrolling');
  await audit(p, 'search results (phone)');
  await shot(p, 'search-phone');

  // Opened: the room in place of the results, at that message.
  await results(p).first().tap();
  await p.waitForURL(`**/rooms/${s.bosai}`);
  await p.locator(`#m-${s.target}`).waitFor();
  assert.ok(!(await view.isVisible()));
  assert.ok(await p.locator(`#m-${s.target}`).isVisible());
  assert.equal(await p.locator(`#m-${s.last}`).count(), 0);
  await p.waitForFunction((id) => document.activeElement?.id === id, `m-${s.target}`);

  // Back: the results as they were.
  await p.goBack();
  await p.waitForURL(`**/rooms/${s.bosai}/search`);
  await view.waitFor();
  assert.equal(await p.locator('#search-q').inputValue(), WORD);
  assert.equal(await results(p).count(), 1);
  await view.getByRole('button', { name: '戻る' }).tap();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();
  assert.deepEqual(p.errors, []);
});
