// 安否確認 in real Chromium against one server (shared by the tests, to stay fast): the
// banner appears live on a phone (390×844) when a check starts; answering takes exactly two
// taps and is stored; the 危機管理 user's dashboard in another browser follows the answer
// live; a training check is labelled 訓練, and /safety/N opens its answer sheet; a check's own
// question is the banner's, answered in one tap; an answer given offline is sent when the
// link comes back and stored exactly once (and, hidden, stays hidden after a reload); a
// restricted account answers from the Internet zone on a page of its own; a 危機管理 user
// starts a check with a question of their own (避難所の開設), watches it, answers for one,
// filters by that question, reminds and closes it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PASSWORD, TENANT, audit, closeAll, launch, login, newPage, Server, shot, skipReason, until, waitLive, watchdog } from './lib/harness.mjs';

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
  srv = await new Server({ internet: true }).start();
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
  // The option tapped is gone: the focus comes back to 変更, not to the page's body.
  await until(async () => (await phone.evaluate(() => document.activeElement?.textContent)) === '変更', { what: 'the focus on 変更' });
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

test('a training check is labelled 訓練; a question of its own is asked as the banner\'s', { skip, timeout: 30000 }, async () => {
  const phone = await newPage(browser, PHONE);
  await login(phone, srv.base, 'sato');
  const s = await start({ template: 'drill' });
  const banner = phone.locator(`.safety-banner[data-check="${s.id}"]`);
  await banner.waitFor({ timeout: 5000 });
  assert.ok((await banner.getAttribute('class')).includes('is-training'));
  await banner.locator('.tag-training', { hasText: '【訓練】' }).waitFor();
  await shot(phone, 'safety-phone-training');
  // A notification's click through the service worker opens /safety/N: a target without a
  // role gets the check's answer sheet there, over the room list.
  await phone.goto(srv.base + '/safety/' + s.id);
  const sheet = phone.getByRole('dialog', { name: '安否確認' });
  await sheet.getByText('【訓練】安否確認').first().waitFor();
  assert.equal(new URL(phone.url()).pathname, '/');
  await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});

  // A check that asks its own question only: the banner offers its options, one tap answers.
  const shelter = { key: 'shelter', label: '避難所の開設', kind: 'choice', options: ['開設済み', '未開設'], required: true };
  const own = await start({ title: '避難所の状況', questions: [shelter, { key: 'note', label: '備考', kind: 'text', required: false }] });
  const b2 = phone.locator(`.safety-banner[data-check="${own.id}"]`);
  await b2.getByRole('group', { name: '避難所の開設' }).getByRole('button', { name: '未開設' }).tap();
  await phone.getByRole('dialog', { name: '安否確認' }).getByText('送信しました').waitFor();
  const h = await history(own.id, 'sato');
  assert.deepEqual(h.map((x) => x.answer), [{ shelter: 1 }]);
  await b2.getByText('回答済み：未開設').waitFor();
  await srv.api(boss, 'POST', `/api/safety/${own.id}/close`, {});
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

  // Hidden, the answered banner stays hidden after a reload in the same tab.
  await sheet.getByRole('button', { name: '閉じる' }).first().tap();
  await banner.getByRole('button', { name: '隠す' }).tap();
  await banner.waitFor({ state: 'detached' });
  await phone.reload();
  await waitLive(phone);
  await phone.locator('.room-item').first().waitFor();
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await banner.count(), 0);
  assert.ok(await phone.evaluate(() => Object.keys(sessionStorage).some((k) => k.startsWith('tonari.safetyHidden.'))));
  // (The check is still there: without the hiding it shows.)
  await phone.evaluate(() => sessionStorage.clear());
  await phone.reload();
  await banner.getByText('回答済み').waitFor();
  await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});
});

test('a restricted account answers from the Internet zone, on a page of its own', { skip, timeout: 40000 }, async () => {
  const admin = await srv.token('yamada');
  const ito = (await srv.api(await srv.token('ito'), 'GET', '/api/me')).user;
  await srv.api(admin, 'PUT', `/api/admin/users/${ito.id}/internet`, { allowed: false });
  const s = await start({ template: 'earthquake', internet_answer: true });
  try {
    const phone = await newPage(browser, PHONE);
    const sockets = [];
    phone.on('websocket', (ws) => sockets.push(ws.url()));
    await phone.goto(srv.internetBase + '/');
    await phone.getByLabel('自治体コード').fill(TENANT);
    await phone.getByLabel('ログインID').fill('ito');
    await phone.getByLabel('パスワード').fill(PASSWORD);
    await phone.getByRole('button', { name: 'ログイン' }).click();
    await phone.getByRole('heading', { name: '安否確認への回答' }).waitFor();
    await phone.getByText('インターネットからの利用は制限されていますが、安否確認には回答できます').waitFor();

    // Two taps, as anywhere else.
    const banner = phone.locator(`.safety-banner[data-check="${s.id}"]`);
    await banner.waitFor();
    await audit(phone, 'the answer-only screen');
    await shot(phone, 'safety-internet-only');
    await banner.getByRole('button', { name: '無事' }).tap();
    const sheet = phone.getByRole('dialog', { name: '安否確認' });
    await sheet.getByRole('group', { name: /出勤/ }).getByRole('button', { name: '可能', exact: true }).tap();
    await sheet.getByText('送信しました').waitFor();
    const answers = await history(s.id, 'ito');
    assert.equal(answers.length, 1);
    assert.deepEqual([answers[0].answer.status, answers[0].answer.work], [0, 0]);
    await sheet.getByRole('button', { name: '閉じる' }).first().tap();

    // A reload keeps the session (its CSRF token from /api/me): the answer shows, and once the
    // check is closed nothing is left to answer (said at the next poll, which going online
    // brings at once; /api/me itself is refused then, so the page is not reloaded).
    await phone.reload();
    await banner.getByText('回答済み：無事・出勤可能').waitFor();
    await srv.api(boss, 'POST', `/api/safety/${s.id}/close`, {});
    await phone.evaluate(() => window.dispatchEvent(new Event('online')));
    await phone.getByText('回答が必要な安否確認はありません').waitFor();
    assert.deepEqual(sockets, [], 'no WebSocket');
    await phone.getByRole('button', { name: 'ログアウト' }).tap();
    await phone.getByLabel('ログインID').waitFor();
    assert.equal(await phone.evaluate(async () => (await fetch('/api/me')).status), 401);
    assert.deepEqual(phone.errors, []);
  } finally {
    await srv.api(admin, 'PUT', `/api/admin/users/${ito.id}/internet`, { allowed: true });
  }
});

test('a 危機管理 user starts a drill with a question of its own, watches it, answers for one, reminds and closes it', { skip, timeout: 60000 }, async () => {
  const desk = await newPage(browser);
  await login(desk, srv.base, 'takahashi');
  await desk.getByRole('button', { name: 'アカウントメニュー' }).click();
  await desk.getByRole('menuitem', { name: '安否確認' }).click();

  // Start: the drill template, 防災係 chosen in the tree.
  await desk.getByRole('button', { name: '安否確認を開始' }).click();
  const dlg = desk.getByRole('dialog', { name: '安否確認を開始' });
  await dlg.getByRole('radio', { name: '【訓練】安否確認' }).check();
  await dlg.getByRole('radio', { name: /所属を選ぶ/ }).check();
  await dlg.getByRole('button', { name: '市民生活部の下位の所属' }).click();
  await dlg.getByRole('button', { name: '危機管理課の下位の所属' }).click();
  await dlg.getByRole('checkbox', { name: '防災係' }).check();
  // 質問を編集: a choice question of its own, after the template's four.
  await dlg.getByRole('button', { name: '質問を編集' }).click();
  await dlg.getByRole('button', { name: '選択式の質問を追加' }).click();
  await dlg.getByLabel('質問5の質問文').fill('避難所の開設');
  await dlg.getByLabel('質問5の選択肢1', { exact: true }).fill('開設済み');
  await dlg.getByLabel('質問5の選択肢2', { exact: true }).fill('未開設');
  // Another template, clicked by mistake: asked first, and kept as it was when cancelled.
  await dlg.getByRole('radio', { name: '最初から作成' }).click();
  const discard = desk.getByRole('dialog', { name: '確認', exact: true });
  await discard.getByText('編集した質問は破棄されます。テンプレートを切り替えますか？').waitFor();
  await discard.getByRole('button', { name: 'キャンセル' }).click();
  await discard.waitFor({ state: 'detached' });
  assert.equal(await dlg.getByRole('radio', { name: '【訓練】安否確認' }).isChecked(), true);
  assert.equal(await dlg.getByRole('radio', { name: '最初から作成' }).isChecked(), false);
  assert.equal(await dlg.getByLabel('質問5の質問文').inputValue(), '避難所の開設');
  await audit(desk, 'the start dialog, its questions edited');
  await dlg.getByRole('button', { name: '開始する' }).click();
  await desk.waitForURL(/\/safety\/\d+$/);
  const id = Number(desk.url().split('/').pop());
  const { safety } = await srv.api(boss, 'GET', `/api/safety/${id}`);
  assert.equal(safety.training, true);
  assert.deepEqual(safety.scope, { depts: [bosai] });
  assert.deepEqual(
    safety.questions.map((q) => q.key),
    ['status', 'work', 'location', 'comment', 'q1'],
  );
  assert.deepEqual(safety.questions[4], { key: 'q1', label: '避難所の開設', kind: 'choice', options: ['開設済み', '未開設'], required: false });

  // In the list, and from there its dashboard.
  await desk.locator('.sf-head').getByRole('button', { name: '戻る' }).click();
  const item = desk.locator(`.sf-item[href="/safety/${id}"]`);
  await item.getByText('【訓練】安否確認').first().waitFor();
  await item.click();
  await desk.locator('#sf-dash-title', { hasText: '【訓練】安否確認' }).waitFor();
  const shelter = desk.locator('.sf-counts', { has: desk.getByRole('heading', { name: '避難所の開設' }) });
  await shelter.locator('[data-q="q1"][data-opt="1"]', { hasText: '未開設' }).waitFor();

  // 未回答 only: an answer given meanwhile takes its person off the list within about 5 s.
  await desk.getByLabel('回答状況').selectOption('unanswered');
  const people = desk.locator('.sf-person');
  const all = (await srv.api(boss, 'GET', `/api/safety/${id}/targets?limit=200`)).targets;
  await until(async () => (await people.count()) === all.length, { what: 'every target unanswered' });
  const satoTok = await srv.token('sato');
  const sato = (await srv.api(satoTok, 'GET', '/api/me')).user;
  await srv.api(satoTok, 'PUT', `/api/safety/${id}/answer`, { client_id: 'e2e-live-' + id, answer: { status: 0, work: 0 } });
  const satoRow = people.filter({ hasText: sato.name });
  await until(async () => (await satoRow.count()) === 0, { timeout: 8000, what: 'sato off the 未回答 list' });

  // 代理回答 for the first one left.
  const row = people.first();
  const name = await row.locator('.person-name').innerText();
  await row.getByRole('button', { name: '代理回答' }).click();
  const proxy = desk.getByRole('dialog', { name: `${name}さんの代理回答` });
  await proxy.getByRole('group', { name: /本人の状況/ }).getByRole('button', { name: '軽傷' }).click();
  await proxy.getByRole('group', { name: /出勤/ }).getByRole('button', { name: '不可' }).click();
  await proxy.getByRole('group', { name: '避難所の開設' }).getByRole('button', { name: '開設済み' }).click();
  // The first reply is lost (the answer is stored, the page hears nothing): sent again, it
  // has the same client_id and is stored once.
  let lost = false;
  const answerUrl = new RegExp(`/api/safety/${id}/answer$`);
  await desk.route(answerUrl, async (r) => {
    if (lost) return r.fallback();
    lost = true;
    await r.fetch();
    await r.abort('connectionreset');
  });
  await proxy.getByRole('button', { name: '代理回答を送信' }).click();
  await until(async () => lost && (await proxy.getByRole('button', { name: '代理回答を送信' }).isEnabled()), { what: 'the lost reply' });
  await proxy.getByRole('button', { name: '代理回答を送信' }).click();
  await proxy.waitFor({ state: 'detached' });
  await desk.unroute(answerUrl);
  await until(async () => (await people.filter({ hasText: name }).count()) === 0, { what: 'the proxy-answered person off the list' });
  const who = all.find((x) => x.user.name === name).user.id;
  const h = (await srv.api(boss, 'GET', `/api/safety/${id}/history?user=${who}`)).answers;
  assert.equal(h.length, 1);
  assert.equal(h[0].proxy, true);
  assert.deepEqual([h[0].answer.status, h[0].answer.work, h[0].answer.q1], [1, 1, 0]);
  await shelter.locator('[data-q="q1"][data-opt="0"]', { hasText: '1' }).waitFor();

  // The list by the question of its own: only the one who said 開設済み.
  await desk.getByLabel('回答状況').selectOption('');
  await desk.getByLabel('回答内容').selectOption({ label: '避難所の開設：開設済み' });
  await until(async () => (await people.count()) === 1 && (await people.first().locator('.person-name').innerText()) === name, { what: 'filtered by 避難所の開設' });
  await people.first().getByText('軽傷・出勤不可・避難所の開設：開設済み').waitFor();

  // 催促: those left, as the toast says.
  await desk.getByRole('button', { name: '未回答者に催促' }).click();
  await desk.getByRole('dialog').getByRole('button', { name: '催促', exact: true }).click();
  await desk.locator('.toast', { hasText: `${all.length - 2}人に催促しました` }).waitFor();

  // The CSV answers as a CSV (with the page's session).
  const href = await desk.getByRole('link', { name: 'CSV（UTF-8）' }).getAttribute('href');
  const csv = await desk.request.get(srv.base + href);
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()['content-type'], /^text\/csv/);
  assert.match(await csv.text(), new RegExp(name));

  // 終了, confirmed.
  await desk.locator('.sf-tools').getByRole('button', { name: '終了' }).click();
  await desk.getByRole('dialog').getByRole('button', { name: '終了', exact: true }).click();
  await desk.locator('.sf-head .tag-closed', { hasText: '終了' }).waitFor();
  assert.equal((await srv.api(boss, 'GET', `/api/safety/${id}`)).safety.open, false);
  await audit(desk, 'the dashboard of a closed drill');
  assert.deepEqual(desk.errors, []);
});
