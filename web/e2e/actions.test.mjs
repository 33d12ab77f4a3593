// アクションスタンプ in real Chromium on a phone (390×844, touch): asking a 出欠 and a
// 日程調整 from the composer, answering with one tap, the tally moving in the other
// browser, the best candidate, closing, reminding (a mention to who has not answered), the
// results and the export; anonymous questions show counts only.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { audit, browserSuite, login, newPage, shot, until } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 300000 });
const { skip } = env;

const PHONE = { width: 390, height: 844, mobile: true };

/** Logs in on a phone and opens 防災係. */
async function phoneIn(who) {
  const p = await newPage(env.browser, PHONE);
  await login(p, env.srv.base, who);
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();
  await p.locator('.timeline .messages').waitFor();
  return p;
}

/** Opens the dialog from the composer, picks the kind and writes the question. */
async function startAsking(p, kind, title) {
  await p.getByRole('button', { name: 'アクションスタンプ' }).tap();
  const dlg = p.getByRole('dialog', { name: 'アクションスタンプを作成' });
  await dlg.waitFor();
  await dlg.locator('.act-kind', { hasText: kind }).tap();
  await dlg.getByLabel(kind === 'タスク' ? 'やること' : '質問').fill(title);
  return dlg;
}

const card = (p, title) => p.locator('.action-card', { has: p.locator('.action-title', { hasText: title }) });

/** Every visible button, radio label and summary in `scope` is at least 44×44 px (touch). */
async function touchTargets(scope, what) {
  const small = await scope.evaluate((root) =>
    [...root.querySelectorAll('button, label.sched-val, label.act-kind, label.act-check, summary')]
      .filter((el) => el.offsetParent !== null)
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ el, r }) => r.height < 44 || (r.width < 44 && !el.closest('.act-check')))
      .map(({ el, r }) => `${el.className} "${el.textContent.trim().slice(0, 20)}" ${Math.round(r.width)}×${Math.round(r.height)}`),
  );
  assert.deepEqual(small, [], `${what}: touch targets under 44 px`);
}

async function noSideScroll(p) {
  assert.ok((await p.evaluate(() => document.documentElement.scrollWidth)) <= 390, 'no horizontal scrolling');
}

test('出欠 and 日程調整 on a phone: ask, answer, live tally, best candidate, close', { skip, timeout: 200000 }, async () => {
  const sato = await phoneIn('sato');
  const suzuki = await phoneIn('suzuki');

  // 出欠, asked from the composer; the validation speaks first.
  let dlg = await startAsking(sato, '出欠', '');
  await dlg.getByRole('button', { name: '送信' }).tap();
  await dlg.getByText('質問を入力してください。').waitFor();
  await touchTargets(dlg, 'the creation dialog');
  await audit(sato, 'the action dialog on a phone');
  await dlg.getByLabel('質問').fill('12月10日の説明会に出席できますか？');
  await dlg.getByRole('button', { name: '送信' }).tap();
  await dlg.waitFor({ state: 'detached' });

  const mine = card(sato, '説明会に出席');
  const theirs = card(suzuki, '説明会に出席');
  await mine.waitFor();
  await theirs.waitFor();
  assert.match(await theirs.locator('.action-kind').innerText(), /出欠/);

  // One tap answers; my answer is marked; the asker's card follows live.
  await theirs.getByRole('button', { name: /出席/ }).first().tap();
  await until(async () => (await theirs.getByRole('button', { name: /^出席/ }).getAttribute('aria-pressed')) === 'true', {
    what: 'the answer to be marked',
  });
  await until(async () => /出席\s*1人/.test(await mine.locator('.action-options').innerText()), {
    timeout: 10000,
    what: 'the asker to see the tally move',
  });
  assert.match(await mine.locator('.action-tally').innerText(), /回答 1人/);
  // Changing the answer moves the count.
  await theirs.getByRole('button', { name: /^欠席/ }).tap();
  await until(async () => /欠席\s*1人/.test(await mine.locator('.action-options').innerText()), {
    timeout: 10000,
    what: 'the changed answer in the tally',
  });
  assert.match(await mine.locator('.action-options').innerText(), /出席\s*0人/);
  await touchTargets(theirs, 'the 出欠 card');
  await noSideScroll(suzuki);

  // 日程調整: a date and a time, then the next day with one tap.
  dlg = await startAsking(sato, '日程調整', '次回打合せの日程');
  await dlg.getByRole('button', { name: '送信' }).tap();
  await dlg.getByText('候補日時を1〜30件追加してください。').waitFor();
  await dlg.getByLabel('日付', { exact: true }).fill('2031-12-10');
  await dlg.getByLabel('時刻（任意）').fill('14:00');
  await dlg.getByRole('button', { name: '候補に追加' }).tap();
  await dlg.getByRole('button', { name: '翌日も追加' }).tap();
  assert.deepEqual(await dlg.locator('.act-cand').allInnerTexts(), ['12/10(水) 14:00', '12/11(木) 14:00']);
  await shot(sato, 'phone-action-dialog');
  await dlg.getByRole('button', { name: '送信' }).tap();
  await dlg.waitFor({ state: 'detached' });

  const sched = card(suzuki, '次回打合せの日程');
  await sched.waitFor();
  // ○ for the 10th, × for the 11th; the answer goes once every candidate has one.
  const answer = sched.getByRole('button', { name: '回答する' });
  assert.ok(await answer.isDisabled());
  await sched.getByRole('radiogroup', { name: /12\/10/ }).locator('label.v0').tap();
  assert.ok(await answer.isDisabled());
  await sched.getByRole('radiogroup', { name: /12\/11/ }).locator('label.v2').tap();
  await answer.tap();
  await sched.getByRole('button', { name: '回答を変更する' }).waitFor();
  await touchTargets(sched, 'the 日程調整 card');
  await noSideScroll(suzuki);
  await shot(suzuki, 'phone-action-schedule');

  const asked = card(sato, '次回打合せの日程');
  await until(async () => (await asked.locator('.sched-row.best').count()) === 1, { timeout: 10000, what: 'the best candidate' });
  assert.match(await asked.locator('.sched-row.best .sched-label').innerText(), /12\/10/);
  assert.match(await asked.locator('.sched-row').nth(1).locator('.sched-counts').innerText(), /参加できない\s*1/);

  // Closing: asked first, then 終了 everywhere, answers refused, a system message.
  await asked.getByRole('button', { name: '締め切る' }).tap();
  await sato.getByRole('dialog', { name: '確認' }).getByRole('button', { name: '締め切る' }).tap();
  await asked.locator('.tag-closed', { hasText: '終了' }).waitFor();
  await sched.locator('.tag-closed', { hasText: '終了' }).waitFor({ timeout: 10000 });
  assert.equal(await sched.getByRole('button', { name: '回答を変更する' }).count(), 0);
  await suzuki.locator('.sys-note', { hasText: '佐藤 花子さんが「次回打合せの日程」を締め切りました' }).waitFor();
  await audit(suzuki, 'action cards on a phone');
  assert.deepEqual(sato.errors, []);
  assert.deepEqual(suzuki.errors, []);
});

test('results, remind as a mention, export; anonymous shows counts only', { skip, timeout: 200000 }, async () => {
  const sato = await phoneIn('sato');
  const ito = await phoneIn('ito');
  const suzukiToken = await env.srv.token('suzuki');
  const room = await env.srv.roomId(suzukiToken, '防災係');

  // A public はい/いいえ: suzuki answers over REST, sato sees who in the results.
  const dlg = await startAsking(sato, 'はい/いいえ', '訓練資料の内容で問題ありませんか？');
  await dlg.getByRole('button', { name: '送信' }).tap();
  const q = card(sato, '訓練資料の内容');
  await q.waitFor();
  const seq = Number(await q.evaluate((el) => el.closest('li.msg').dataset.seq));
  await env.srv.api(suzukiToken, 'PUT', `/api/rooms/${room}/messages/${seq}/action/answer`, { picks: [{ option: 0, value: 0 }] });
  await until(async () => /はい\s*1人/.test(await q.innerText()), { timeout: 10000, what: 'the REST answer in the tally' });

  await q.getByRole('button', { name: '結果を見る' }).tap();
  const res = sato.getByRole('dialog', { name: '回答結果' });
  await res.waitFor();
  await res.locator('summary', { hasText: 'はい' }).tap();
  await res.locator('.person-name', { hasText: '鈴木 一郎' }).waitFor();
  await res.locator('summary', { hasText: '未回答' }).tap();
  await res.locator('.person-name', { hasText: '伊藤 美咲' }).waitFor();
  await touchTargets(res, 'the results');
  await audit(sato, 'the results on a phone');
  const download = sato.waitForEvent('download');
  await res.getByRole('button', { name: 'CSV（UTF-8）でダウンロード' }).tap();
  assert.match((await download).suggestedFilename(), /訓練資料.*\.csv$/);
  await res.getByRole('button', { name: '閉じる' }).tap();

  // Remind: asked first; ito (not answered) gets it as a mention, until ito answers.
  await q.getByRole('button', { name: '未回答者に催促' }).tap();
  await sato.getByRole('dialog', { name: '確認' }).getByRole('button', { name: '催促する' }).tap();
  await sato.locator('.toast', { hasText: /人に催促しました/ }).waitFor();
  const notice = ito.locator('.sys-note', { hasText: '未回答者' });
  await notice.locator('span.mentioned').waitFor();
  assert.match(await notice.innerText(), /佐藤 花子さんが「訓練資料の内容で問題ありませんか？」の未回答者\d+人に回答を催促しました/);
  await card(ito, '訓練資料の内容').getByRole('button', { name: /^いいえ/ }).tap();
  await notice.locator('span.mentioned').waitFor({ state: 'detached' });
  // A second remind within 10 minutes is refused with the wait.
  await q.getByRole('button', { name: '未回答者に催促' }).tap();
  await sato.getByRole('dialog', { name: '確認' }).getByRole('button', { name: '催促する' }).tap();
  await sato.locator('.toast', { hasText: '10分に1回' }).waitFor();

  // Anonymous: counts and a 匿名 badge, never names (the asker included).
  const anon = await startAsking(sato, '出欠', '懇親会の出欠（匿名）');
  await anon.getByLabel(/匿名/).check();
  await anon.getByRole('button', { name: '送信' }).tap();
  const aq = card(sato, '懇親会の出欠');
  await aq.waitFor();
  const aseq = Number(await aq.evaluate((el) => el.closest('li.msg').dataset.seq));
  await card(ito, '懇親会の出欠').getByRole('button', { name: /^出席/ }).tap();
  await until(async () => /出席\s*1人/.test(await aq.innerText()), { timeout: 10000, what: 'the anonymous tally' });
  await aq.locator('.tag-anon', { hasText: '匿名' }).waitFor();
  await aq.getByRole('button', { name: '結果を見る' }).tap();
  await res.waitFor();
  await res.getByText('誰が回答したかは表示されません').waitFor();
  assert.equal(await res.locator('details').count(), 0, 'no lists of names');
  assert.equal(await res.locator('.person-name').count(), 0);
  await res.getByRole('button', { name: '閉じる' }).tap();
  const sato_ = await env.srv.token('sato');
  await assert.rejects(env.srv.api(sato_, 'GET', `/api/rooms/${room}/messages/${aseq}/action/answers?option=0&value=0`), /403/);

  // Not public: the others see neither counts nor a results button.
  const hidden = await startAsking(sato, '選択', '研修の希望コース');
  await hidden.getByLabel('選択肢1', { exact: true }).fill('午前');
  await hidden.getByLabel('選択肢2', { exact: true }).fill('午後');
  await hidden.getByLabel('依頼者のみ').check();
  await hidden.getByRole('button', { name: '送信' }).tap();
  const hq = card(ito, '研修の希望コース');
  await hq.waitFor();
  await hq.getByRole('button', { name: /^午後/ }).tap();
  await until(async () => (await hq.getByRole('button', { name: /^午後/ }).getAttribute('aria-pressed')) === 'true', {
    what: 'the answer to a non-public question',
  });
  assert.equal(await hq.locator('.action-opt-count').count(), 0);
  assert.equal(await hq.getByRole('button', { name: '結果を見る' }).count(), 0);
  await until(async () => /午後\s*1人/.test(await card(sato, '研修の希望コース').innerText()), {
    timeout: 10000,
    what: 'the asker to see the counts of a non-public question',
  });
  assert.deepEqual(sato.errors, []);
  assert.deepEqual(ito.errors, []);
});

test('タスク: assignees from the room, 完了 by the assignee, each one shown', { skip, timeout: 120000 }, async () => {
  const sato = await phoneIn('sato');
  const suzuki = await phoneIn('suzuki');
  const dlg = await startAsking(sato, 'タスク', '避難所運営マニュアルの確認');
  await dlg.getByRole('button', { name: '送信' }).tap();
  await dlg.getByText('担当者を1〜100人選んでください。').waitFor();
  await dlg.getByLabel('メンバーを検索').fill('すずき');
  await dlg.locator('.act-people label', { hasText: '鈴木 一郎' }).tap();
  await dlg.getByLabel('メンバーを検索').fill('いとう');
  await dlg.locator('.act-people label', { hasText: '伊藤 美咲' }).tap();
  await dlg.getByText('担当者（2人選択中）').waitFor();
  await dlg.getByRole('button', { name: '送信' }).tap();

  const asked = card(sato, 'マニュアルの確認');
  await asked.locator('.task-todo', { hasText: '鈴木 一郎' }).waitFor();
  assert.equal(await asked.getByRole('button', { name: '完了にする' }).count(), 0, 'not an assignee');
  const task = card(suzuki, 'マニュアルの確認');
  await task.getByRole('button', { name: '完了にする' }).tap();
  await task.getByRole('button', { name: '完了を取り消す' }).waitFor();
  await asked.locator('.task-done', { hasText: '鈴木 一郎' }).waitFor({ timeout: 10000 });
  assert.match(await asked.locator('.action-tally').innerText(), /完了 1 \/ 2人/);
  await touchTargets(task, 'the タスク card');
  await audit(sato, 'a task card on my own bubble');
  assert.deepEqual(sato.errors, []);
  assert.deepEqual(suzuki.errors, []);
});
