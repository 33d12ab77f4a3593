// Automated accessibility checks (axe-core, WCAG 2 A/AA rules incl. colour contrast and
// labels) on the main screens, PC and smartphone.
import { test } from 'node:test';
import {
  audit,
  login,
  msgLocator,
  newPage,
  openRoom,
  send,
  browserSuite,
} from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

test('no WCAG A/AA violations found by axe on the main screens', { skip, timeout: 90000 }, async () => {
  const p = await newPage(env.browser);
  await p.goto(env.srv.base + '/');
  await p.getByLabel('自治体コード').waitFor();
  await audit(p, 'login');
  await login(p, env.srv.base, 'sato');
  await openRoom(p, '防災係');
  await send(p, '@鈴木 一郎 確認お願いします');
  await msgLocator(p, '確認お願いします').waitFor();
  await audit(p, 'room');
  await p.getByRole('button', { name: '新規トーク' }).click();
  await p.getByRole('dialog').waitFor();
  await p.getByRole('button', { name: '市民生活部', exact: true }).click();
  await p.getByRole('button', { name: '市民課', exact: true }).waitFor();
  await audit(p, 'new chat dialog');
  await p.keyboard.press('Escape');

  const m = await newPage(env.browser, { width: 390, height: 844, mobile: true });
  await login(m, env.srv.base, 'ito');
  await audit(m, 'phone list');
  await m.locator('.room-item').first().tap();
  await m.locator('#room-title').waitFor();
  await audit(m, 'phone room');
});
