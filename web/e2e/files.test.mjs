// Attachments in the browser: the clip button with its progress and the message's card
// (and its download under the Japanese name), a pasted screenshot becoming a thumbnail, the
// phone layout's camera and photo-library inputs, and the image viewer.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  FIXTURES,
  appears,
  browserSuite,
  login,
  msgLocator,
  newPage,
  openRoom,
  shot,
  until,
} from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 300000 });
const { skip } = env;

/** A CSV of `bytes` bytes (more than two 4 MiB chunks for a visible progress). */
function bigCsv(bytes) {
  const line = Buffer.from('番号,氏名,所属,避難所\n1,佐藤 花子,防災係,第一小学校\n');
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += line.length) line.copy(out, i, 0, Math.min(line.length, bytes - i));
  return out;
}

/** Samples the attachment progress bars every few ms (values seen, in order). */
async function watchProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    window.__progressTimer = setInterval(() => {
      for (const el of document.querySelectorAll('.att-progress')) window.__progress.push([el.value, el.max]);
    }, 5);
  });
}

test('attach a file with the clip button: progress, then the message with its card', { skip, timeout: 120000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  // Slow the upload down so that its progress can be watched.
  const cdp = await p.context().newCDPSession(p);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 4 * 1024 * 1024,
  });
  await watchProgress(p);

  const name = '令和8年度_避難所運営訓練_参加者名簿（最終版）.csv';
  const csv = bigCsv(9 * 1024 * 1024);
  const [chooser] = await Promise.all([p.waitForEvent('filechooser'), p.getByRole('button', { name: 'ファイルを選ぶ' }).click()]);
  assert.equal(chooser.isMultiple(), true);
  await chooser.setFiles({ name, mimeType: 'text/csv', buffer: csv });

  const chip = p.locator('.att-tray .att');
  await appears(p, chip, 'the attachment chip');
  assert.match(await chip.locator('.att-name').getAttribute('title'), /参加者名簿（最終版）\.csv$/);
  assert.match(await chip.innerText(), /9 MB/);
  // While it uploads the message cannot go yet.
  await p.locator('.att[data-phase=uploading]').waitFor();
  assert.equal(await p.getByRole('button', { name: '送信' }).isDisabled(), true);
  assert.ok(await chip.getByRole('button', { name: `${name}のアップロードを中止` }).isVisible());
  await shot(p, 'attach-progress');
  await p.locator('.att[data-phase=done]').waitFor({ timeout: 60000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen = await p.evaluate(() => {
    clearInterval(window.__progressTimer);
    return window.__progress;
  });
  const between = seen.filter(([v, max]) => v > 0 && v < max);
  assert.ok(between.length > 0, `the progress bar moved between 0 and the end (saw ${seen.length} samples)`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], 'progress never goes back');

  await p.locator('#composer-input').fill('訓練の参加者名簿を送ります。');
  await p.getByRole('button', { name: '送信' }).click();
  const m = msgLocator(p, '訓練の参加者名簿を送ります');
  await m.waitFor();
  await p.locator('.msg.pending').waitFor({ state: 'detached' });
  const card = m.locator('.file-card');
  await card.waitFor();
  assert.equal(await card.locator('.file-name').getAttribute('title'), name);
  assert.match(await card.innerText(), /9 MB/);
  assert.equal(await p.locator('.att-tray').count(), 0, 'the tray is empty once sent');

  // The job ends (text passes as it is), and the download keeps the Japanese name.
  await card.locator('.file-download').waitFor({ timeout: 30000 });
  assert.equal(await card.getAttribute('data-state'), 'ready');
  const [download] = await Promise.all([p.waitForEvent('download'), card.locator('.file-download').click()]);
  assert.equal(download.suggestedFilename(), name);
  const saved = readFileSync(await download.path());
  assert.equal(saved.length, csv.length);
  assert.ok(saved.equals(csv));

  // Another member sees the message with its card.
  const tok = await env.srv.token('sato');
  const room = await env.srv.roomId(tok, '防災係');
  const last = (await env.srv.allMessages(tok, room)).pop();
  assert.equal(last.files.length, 1);
  assert.equal(last.files[0].name, name);
  assert.deepEqual(p.errors, []);
});

test('a pasted screenshot is attached and shows as a thumbnail', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  await p.locator('#composer-input').click();
  await p.evaluate(async () => {
    const c = document.createElement('canvas');
    c.width = 320;
    c.height = 200;
    const g = c.getContext('2d');
    g.fillStyle = '#0b5cad';
    g.fillRect(0, 0, 320, 200);
    g.fillStyle = '#ffffff';
    g.fillRect(40, 40, 160, 80);
    const blob = await new Promise((r) => c.toBlob(r, 'image/png'));
    const dt = new DataTransfer();
    dt.items.add(new File([blob], 'image.png', { type: 'image/png' }));
    const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
    document.getElementById('composer-input').dispatchEvent(ev);
  });
  const chip = p.locator('.att-tray .att');
  await appears(p, chip, 'the pasted image chip');
  assert.match(await chip.locator('.att-name').getAttribute('title'), /^スクリーンショット_\d{8}_\d{6}\.png$/);
  // The chip previews the image from the file itself.
  assert.match(await chip.locator('.att-thumb img').getAttribute('src'), /^blob:/);
  await p.locator('.att[data-phase=done]').waitFor({ timeout: 30000 });
  // A message with only a file is allowed.
  assert.equal(await p.getByRole('button', { name: '送信' }).isDisabled(), false);
  await p.locator('#composer-input').press('Enter');
  await p.locator('.msg.pending').waitFor({ state: 'detached' });

  const item = p.locator('.messages > li.msg').last();
  const thumb = item.locator('.file-image img');
  await thumb.waitFor({ timeout: 30000 });
  assert.equal(await thumb.getAttribute('src'), `/api/files/${await item.locator('.file-image').getAttribute('data-file')}/thumbnail`);
  // Its place is reserved with the image's aspect ratio (320×200 → 240×150).
  assert.equal(await thumb.getAttribute('width'), '240');
  assert.equal(await thumb.getAttribute('height'), '150');
  await until(() => thumb.evaluate((img) => img.complete && img.naturalWidth > 0), { what: 'the thumbnail to load' });
  const box = await thumb.boundingBox();
  assert.equal(Math.round(box.width), 240);
  assert.equal(Math.round(box.height), 150);
  // The room list tells what the message carries.
  assert.match(await p.locator('.room-item.active .room-preview').innerText(), /\[添付\] スクリーンショット_/);
  await shot(p, 'paste-thumbnail');
  assert.deepEqual(p.errors, []);
});

test('files dropped on the room are attached', { skip, timeout: 60000 }, async () => {
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  const drop = (type) =>
    p.evaluate((type) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['第1回 防災訓練 議事録'], '議事録.txt', { type: 'text/plain' }));
      dt.items.add(new File(['日付,場所\n4/12,第一小学校\n'], '日程.csv', { type: 'text/csv' }));
      const target = document.querySelector('.timeline');
      target.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, type);
  await drop('dragenter');
  const zone = p.locator('.drop-zone');
  await zone.waitFor();
  assert.equal(await zone.innerText(), 'ここにドロップして添付');
  await drop('dragover');
  await drop('drop');
  await zone.waitFor({ state: 'detached' });
  const chips = p.locator('.att-tray .att');
  await until(async () => (await chips.count()) === 2, { what: 'two chips' });
  assert.deepEqual(await chips.locator('.att-name').allInnerTexts(), ['議事録.txt', '日程.csv']);
  assert.equal(new URL(p.url()).pathname.startsWith('/rooms/'), true, 'the app stays');
  // × takes a file off again.
  await chips.first().getByRole('button', { name: /議事録\.txt(のアップロードを中止|を添付から外す)/ }).click();
  await until(async () => (await chips.count()) === 1, { what: 'one chip left' });
  assert.deepEqual(p.errors, []);
});

test('the phone layout offers the camera and the photo library', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(p, env.srv.base, 'sato');
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  await p.locator('#room-title', { hasText: '防災係' }).waitFor();

  const camera = p.getByRole('button', { name: '写真を撮る' });
  const library = p.getByRole('button', { name: '写真を選ぶ' });
  assert.ok(await camera.isVisible());
  assert.ok(await library.isVisible());
  assert.ok(await p.getByRole('button', { name: 'ファイルを選ぶ' }).isVisible());
  const camInput = p.locator('input[type=file][data-input=camera]');
  assert.equal(await camInput.getAttribute('accept'), 'image/*');
  assert.equal(await camInput.getAttribute('capture'), 'environment');
  const libInput = p.locator('input[type=file][data-input=photo]');
  assert.equal(await libInput.getAttribute('accept'), 'image/*');
  assert.equal(await libInput.getAttribute('capture'), null);
  assert.notEqual(await libInput.getAttribute('multiple'), null);
  const scrollW = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(scrollW <= 390, 'no horizontal scrolling');

  // Taking a photo opens the camera input; the photo is attached and sent.
  const [chooser] = await Promise.all([p.waitForEvent('filechooser'), camera.tap()]);
  assert.equal(await chooser.element().getAttribute('data-input'), 'camera');
  assert.equal(chooser.isMultiple(), false);
  await chooser.setFiles(join(FIXTURES, 'photo.jpg'));
  await p.locator('.att-tray .att').waitFor();
  await shot(p, 'phone-attach');
  await p.locator('.att[data-phase=done]').waitFor({ timeout: 30000 });
  await p.getByRole('button', { name: '送信' }).tap();
  await p.locator('.msg.pending').waitFor({ state: 'detached' });
  const img = p.locator('.messages > li.msg').last().locator('.file-image img');
  await img.waitFor({ timeout: 30000 });
  const box = await img.boundingBox();
  assert.ok(box.x + box.width <= 390, 'the photo fits the screen');

  // On a PC the camera buttons are not shown.
  const pc = await newPage(env.browser);
  await login(pc, env.srv.base, 'tanaka');
  await openRoom(pc, '防災係');
  assert.equal(await pc.getByRole('button', { name: '写真を撮る' }).isVisible(), false);
  assert.ok(await pc.getByRole('button', { name: 'ファイルを選ぶ' }).isVisible());
  assert.deepEqual(p.errors, []);
});

/** Two photos in one message from sato (REST), processed; returns their files. */
async function postPhotos(srv) {
  const tok = await srv.token('sato');
  const room = await srv.roomId(tok, '防災係');
  const a = await srv.upload(tok, room, '破裂箇所.jpg', 'image/jpeg', readFileSync(join(FIXTURES, 'photo.jpg')));
  const b = await srv.upload(tok, room, '周辺.png', 'image/png', readFileSync(join(FIXTURES, 'clean.png')));
  await srv.api(tok, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-photos', body: '現場写真です', files: [a.id, b.id] });
  return [await srv.settled(tok, a.id), await srv.settled(tok, b.id)];
}

test('the viewer opens an image, zooms, moves to the next one and closes with Esc', { skip, timeout: 90000 }, async () => {
  const [a, b] = await postPhotos(env.srv);
  assert.equal(a.state, 'ready');
  assert.equal(b.state, 'ready');
  const p = await newPage(env.browser);
  await login(p, env.srv.base, 'tanaka');
  await openRoom(p, '防災係');
  const m = msgLocator(p, '現場写真です');
  await m.locator('.file-image img').first().waitFor();
  assert.equal(await m.locator('.file-image').count(), 2);
  // Uploaded inside LGWAN (the municipality does not check those): no 無害化済み badge.
  assert.equal(await m.locator('.file-badge').count(), 0);

  const first = m.getByRole('button', { name: '破裂箇所.jpgを拡大表示' });
  await first.click();
  const viewer = p.getByRole('dialog', { name: '画像ビューアー' });
  await viewer.waitFor();
  const img = viewer.locator('img.viewer-img');
  assert.equal(await img.getAttribute('src'), `/api/files/${a.id}/content?inline=1`);
  await until(() => img.evaluate((el) => el.complete && el.naturalWidth === 320), { what: 'the full image' });
  assert.match(await viewer.innerText(), /1 \/ 2/);

  // Zoom with the button and the wheel (a CSS transform), back with 0.
  await viewer.getByRole('button', { name: '拡大' }).click();
  assert.match(await viewer.getByRole('button', { name: '元の大きさ' }).innerText(), /150%/);
  assert.match(await img.evaluate((el) => el.style.transform), /scale\(1\.5\)/);
  await img.hover();
  await p.mouse.wheel(0, -200);
  const percent = async () => Number(/(\d+)%/.exec(await viewer.getByRole('button', { name: '元の大きさ' }).innerText())[1]);
  await until(async () => (await percent()) > 150, { what: 'wheel zoom' });
  await p.keyboard.press('0');
  assert.match(await viewer.getByRole('button', { name: '元の大きさ' }).innerText(), /100%/);

  // Next image with the arrow key, and back with the button.
  await p.keyboard.press('ArrowRight');
  await until(async () => (await img.getAttribute('data-file')) === String(b.id), { what: 'the next image' });
  assert.match(await viewer.innerText(), /2 \/ 2/);
  await until(() => img.evaluate((el) => el.complete && el.naturalWidth === 64), { what: 'the second image' });
  await shot(p, 'viewer');
  await viewer.getByRole('button', { name: '前の画像' }).click();
  await until(async () => (await img.getAttribute('data-file')) === String(a.id), { what: 'the previous image' });

  // Download from the viewer: the server names the file.
  const [download] = await Promise.all([p.waitForEvent('download'), viewer.getByRole('button', { name: '破裂箇所.jpgをダウンロード' }).click()]);
  assert.equal(download.suggestedFilename(), '破裂箇所.jpg');

  await p.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });
  assert.equal(await p.evaluate(() => document.activeElement?.getAttribute('aria-label')), '破裂箇所.jpgを拡大表示');
  assert.deepEqual(p.errors, []);
});

test('on a phone the viewer moves to the next photo with a swipe', { skip, timeout: 90000 }, async () => {
  const [, b] = await postPhotos(env.srv);
  const p = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(p, env.srv.base, 'tanaka');
  await p.locator('.room-item', { has: p.locator('.room-name', { hasText: '防災係' }) }).tap();
  const m = msgLocator(p, '現場写真です');
  await m.locator('.file-image img').first().waitFor();
  await m.getByRole('button', { name: '破裂箇所.jpgを拡大表示' }).tap();
  const viewer = p.getByRole('dialog', { name: '画像ビューアー' });
  await viewer.waitFor();
  const stage = await viewer.locator('.viewer-stage').boundingBox();
  const y = stage.y + stage.height / 2;
  const cdp = await p.context().newCDPSession(p);
  const touch = (type, x) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y }] });
  await touch('touchStart', 300);
  for (const x of [260, 200, 140, 90]) await touch('touchMove', x);
  await touch('touchEnd');
  await until(async () => (await viewer.locator('img.viewer-img').getAttribute('data-file')) === String(b.id), {
    what: 'the swipe to the next photo',
  });
  assert.match(await viewer.innerText(), /2 \/ 2/);
  assert.deepEqual(p.errors, []);
});
