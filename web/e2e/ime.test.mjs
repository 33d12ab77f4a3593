// The composer never sends while an IME composition is in progress: the Enter that confirms
// a conversion (isComposing, or keyCode 229 as Safari reports it) must not send.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  login,
  msgLocator,
  newPage,
  openRoom,
  sleep,
  until,
  browserSuite,
} from './lib/harness.mjs';

const env = browserSuite();
const { skip } = env;

async function serverBodies(token, room) {
  return (await env.srv.allMessages(token, room)).map((m) => m.body);
}

test('an IME composition followed by Enter does not send', { skip, timeout: 90000 }, async () => {
  const page = await newPage(env.browser);
  await login(page, env.srv.base, 'tanaka');
  await openRoom(page, '防災係');
  const token = await env.srv.token('tanaka');
  const room = await env.srv.roomId(token, '防災係');
  const before = (await serverBodies(token, room)).length;
  const box = page.locator('#composer-input');
  await box.click();

  // Compose "とうきょう" → 東京 and confirm with Enter, the way an IME does it.
  await box.evaluate((el) => {
    el.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true, data: '' }));
    el.dispatchEvent(new CompositionEvent('compositionupdate', { bubbles: true, data: 'とうきょう' }));
    const set = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value').set;
    set.call(el, '東京');
    el.dispatchEvent(new InputEvent('input', { bubbles: true, data: '東京', inputType: 'insertCompositionText', isComposing: true }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, which: 229, isComposing: true, bubbles: true, cancelable: true }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', isComposing: true, bubbles: true, cancelable: true }));
  });
  await sleep(800);
  assert.equal(await box.inputValue(), '東京', 'the text stays in the composer');
  assert.equal(await page.locator('.msg.pending').count(), 0, 'nothing is being sent');

  // Safari reports the confirming Enter as keyCode 229 after compositionend.
  await box.evaluate((el) => {
    el.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '東京' }));
    el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', keyCode: 229, which: 229, bubbles: true, cancelable: true }));
  });
  await sleep(800);
  assert.equal(await page.locator('.msg.pending').count(), 0);
  assert.equal((await serverBodies(token, room)).length, before, 'the server got nothing');

  // Shift+Enter adds a line; a plain Enter after the composition ended sends, once.
  await box.press('End');
  await box.press('Shift+Enter');
  await box.pressSequentially('都庁で会議');
  assert.equal(await box.inputValue(), '東京\n都庁で会議');
  await box.press('Enter');
  await msgLocator(page, '都庁で会議').waitFor();
  assert.equal(await box.inputValue(), '');
  await until(async () => (await serverBodies(token, room)).length === before + 1, { what: 'one message stored' });
  const bodies = await serverBodies(token, room);
  assert.equal(bodies.at(-1), '東京\n都庁で会議');
  assert.equal(bodies.filter((b) => b === '東京\n都庁で会議').length, 1);
  assert.deepEqual(page.errors, []);
});

test('a real IME composition through Chromium (CDP) does not send on Enter', { skip, timeout: 60000 }, async () => {
  const page = await newPage(env.browser);
  await login(page, env.srv.base, 'ito');
  await openRoom(page, '防災係');
  const token = await env.srv.token('ito');
  const room = await env.srv.roomId(token, '防災係');
  const before = (await serverBodies(token, room)).length;
  const box = page.locator('#composer-input');
  await box.click();
  await box.evaluate((el) => {
    window.__keys = [];
    el.addEventListener('keydown', (e) => window.__keys.push({ key: e.key, isComposing: e.isComposing, keyCode: e.keyCode }));
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Input.imeSetComposition', { text: 'ひなんじょ', selectionStart: 5, selectionEnd: 5 });
  // The Enter that confirms the conversion, while the composition is still open.
  await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 });
  await cdp.send('Input.dispatchKeyEvent', { type: 'keyUp', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 });
  await cdp.send('Input.insertText', { text: '避難所' });
  const keys = await page.evaluate(() => window.__keys);
  assert.ok(keys.some((k) => k.key === 'Enter' && k.isComposing), 'Chromium reported a composing Enter: ' + JSON.stringify(keys));
  await sleep(800);
  assert.equal(await page.locator('.msg.pending').count(), 0);
  assert.equal((await serverBodies(token, room)).length, before);
  assert.match(await box.inputValue(), /避難所/);
});
