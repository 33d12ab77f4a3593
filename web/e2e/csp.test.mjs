// The web client works under the server's Content-Security-Policy (no inline script or
// style, connections to its own origin only): logging in, going live over the WebSocket,
// sending and seeing a message leave no CSP violation in the console.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { browserSuite, login, msgLocator, newPage, openRoom, send, until } from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

test('the app runs under its CSP without a violation', { skip, timeout: 90000 }, async () => {
  const page = await newPage(env.browser);
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto(env.srv.base + '/');
  const csp = (await res.allHeaders())['content-security-policy'];
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline/);
  await login(page, env.srv.base, 'tanaka');
  await openRoom(page, '防災係');
  const text = 'CSPの確認です。';
  await send(page, text);
  await msgLocator(page, text).waitFor();
  await until(async () => (await page.locator('.msg.pending').count()) === 0, { what: 'ack' });
  assert.deepEqual(violations, []);
  assert.deepEqual(page.errors, []);
});
