// Files across zones, on a server with an LGWAN and an Internet listener: a password ZIP
// (PPAP) sent from the Internet is withheld from LGWAN users with the reason in Japanese,
// and its uploader is told the same; a photo from the Internet reaches LGWAN users
// sanitized (無害化済み); a view-only policy refuses the download with the server's reason.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { FIXTURES, audit, browserSuite, login, msgLocator, newPage, openRoom, shot } from './lib/harness.mjs';

const env = browserSuite({ watchdogMs: 200000, server: { internet: true } });
const { skip } = env;

/** sato, from the Internet zone, sends `file` (a fixture) to 防災係 with `body`. */
async function sendFromInternet(srv, fixture, name, type, body) {
  const base = srv.internetBase;
  const tok = await srv.token('sato', base);
  const room = await srv.roomId(tok, '防災係');
  const f = await srv.upload(tok, room, name, type, readFileSync(join(FIXTURES, fixture)), base);
  assert.equal(f.from, 'internet');
  await srv.api(tok, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-' + f.id, body, files: [f.id] }, base);
  return srv.settled(tok, f.id, base);
}

test('a PPAP zip from the Internet is withheld from LGWAN, and both sides read why', { skip, timeout: 90000 }, async () => {
  const f = await sendFromInternet(env.srv, 'ppap.zip', '見積書.zip', 'application/zip', '見積書を送ります（パスワードは別送）');
  assert.equal(f.state, 'withheld');
  assert.equal(f.reason, 'encrypted');

  // An LGWAN user: the file is not offered; the card says why, in Japanese.
  const lg = await newPage(env.browser);
  await login(lg, env.srv.base, 'tanaka');
  await openRoom(lg, '防災係');
  const card = msgLocator(lg, '見積書を送ります').locator('.file-card');
  await card.waitFor();
  assert.equal(await card.getAttribute('data-state'), 'withheld');
  const text = await card.innerText();
  assert.match(text, /見積書\.zip/);
  assert.match(text, /このファイルは受け取れません/);
  assert.match(text, /パスワード付きファイルは無害化できないため受け取れません/);
  assert.equal(await card.locator('.file-download').count(), 0);
  await shot(lg, 'withheld-lgwan');
  // Nothing of it comes through the LGWAN listener, whatever the client does.
  const res = await lg.evaluate(async (id) => (await fetch(`/api/files/${id}/content`)).status, f.id);
  assert.equal(res, 403);

  // The uploader, on the Internet side, is told the same.
  const net = await newPage(env.browser);
  await login(net, env.srv.internetBase, 'sato');
  await openRoom(net, '防災係');
  const own = msgLocator(net, '見積書を送ります').locator('.file-card');
  await own.waitFor();
  assert.match(await own.innerText(), /庁内（LGWAN）には届いていません：パスワード付きファイルは無害化できないため受け取れません/);
  await shot(net, 'withheld-uploader');
  assert.deepEqual(lg.errors, []);
  assert.deepEqual(net.errors, []);
});

test('a photo from the Internet reaches LGWAN users sanitized, with the map link the policy keeps', { skip, timeout: 120000 }, async () => {
  const admin = await env.srv.token('yamada');
  await env.srv.api(admin, 'PUT', '/api/admin/file-policy', { keep_gps: true });
  const f = await sendFromInternet(env.srv, 'photo.jpg', '破裂箇所.jpg', 'image/jpeg', '水道管の破裂箇所です');
  assert.equal(f.state, 'ready');
  assert.equal(f.sanitized, true);
  assert.ok(f.location, 'the position is kept as message data');
  const ppap = await sendFromInternet(env.srv, 'ppap.zip', '見積書.zip', 'application/zip', '見積書です');
  assert.equal(ppap.state, 'withheld');
  const lg = await newPage(env.browser);
  await login(lg, env.srv.base, 'tanaka');
  await openRoom(lg, '防災係');
  const item = msgLocator(lg, '水道管の破裂箇所です');
  const img = item.locator('.file-image img');
  await img.waitFor();
  assert.ok(await item.locator('.file-badge', { hasText: '無害化済み' }).isVisible());
  const map = item.getByRole('link', { name: '撮影場所を地図で見る' });
  const href = new URL(await map.getAttribute('href'));
  assert.equal(href.origin, 'https://www.openstreetmap.org');
  assert.ok(Math.abs(Number(href.searchParams.get('mlat')) - f.location.lat) < 1e-6);
  assert.ok(Math.abs(Number(href.searchParams.get('mlon')) - f.location.lon) < 1e-6);
  assert.equal(await map.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await map.getAttribute('target'), '_blank');
  await shot(lg, 'sanitized-photo');
  // The cards (sanitized photo, withheld file), the viewer and the attachment tray meet
  // WCAG A/AA.
  await audit(lg, 'room with file cards');
  await item.getByRole('button', { name: '破裂箇所.jpgを拡大表示' }).click();
  await lg.getByRole('dialog', { name: '画像ビューアー' }).waitFor();
  await audit(lg, 'viewer');
  await lg.keyboard.press('Escape');
  const [chooser] = await Promise.all([lg.waitForEvent('filechooser'), lg.getByRole('button', { name: 'ファイルを選ぶ' }).click()]);
  await chooser.setFiles({ name: '報告書.txt', mimeType: 'text/plain', buffer: Buffer.from('現場報告') });
  await lg.locator('.att[data-phase=done]').waitFor();
  await audit(lg, 'attachment tray');
  assert.deepEqual(lg.errors, []);
});

test('a view-only policy: the Internet side sees the refusal, not a broken download', { skip, timeout: 90000 }, async () => {
  const admin = await env.srv.token('yamada');
  const got = await env.srv.api(admin, 'GET', '/api/admin/file-policy');
  const policy = got.policy ?? got;
  await env.srv.api(admin, 'PUT', '/api/admin/file-policy', { ...policy, internet_download: 'view' });
  // tanaka (LGWAN) sends a PDF.
  const tok = await env.srv.token('tanaka');
  const room = await env.srv.roomId(tok, '防災係');
  const f = await env.srv.upload(tok, room, '議事録.pdf', 'application/pdf', readFileSync(join(FIXTURES, 'clean.pdf')));
  await env.srv.api(tok, 'POST', `/api/rooms/${room}/messages`, { client_id: 'e2e-pdf', body: '会議の議事録です', files: [f.id] });
  await env.srv.settled(tok, f.id);

  const net = await newPage(env.browser);
  await login(net, env.srv.internetBase, 'sato');
  await openRoom(net, '防災係');
  const card = msgLocator(net, '会議の議事録です').locator('.file-card');
  await card.locator('.file-download').waitFor();
  let downloaded = false;
  net.on('download', () => (downloaded = true));
  await card.locator('.file-download').click();
  const err = card.locator('.file-error');
  await err.waitFor();
  assert.equal(await err.innerText(), 'インターネット側からはこのファイルをダウンロードできません（閲覧のみ）');
  assert.equal(downloaded, false);
  assert.equal(new URL(net.url()).port, String(new URL(env.srv.internetBase).port), 'the page stayed where it was');
  // Viewing is allowed: the PDF opens inline in a new tab.
  const [tab] = await Promise.all([net.context().waitForEvent('page'), card.locator('a.file-name').click()]);
  await tab.waitForLoadState('domcontentloaded').catch(() => {});
  assert.equal(new URL(tab.url()).pathname + new URL(tab.url()).search, `/api/files/${f.id}/content?inline=1`);
  assert.deepEqual(net.errors, []);
});
