// Browser end-to-end harness: starts the real tonari (127.0.0.1, port 0, temp data dir,
// --demo, --web web/dist), launches Debian's Chromium through playwright-core, and cleans
// everything up. Every wait is bounded.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const WEB_DIR = resolve(here, '../..');
export const REPO_DIR = resolve(WEB_DIR, '..');
export const DIST = join(WEB_DIR, 'dist');
export const TONARI_BIN = process.env.TONARI_BIN || join(REPO_DIR, 'build', 'tonari');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const SHOTS = join(WEB_DIR, 'e2e', 'screenshots');
export const TENANT = '999001';
export const PASSWORD = 'sakura-demo';

const children = new Set();
const dirs = new Set();
const browsers = new Set();
const contexts = new Set();

function killAll() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }
  children.clear();
}
process.on('exit', () => {
  killAll();
  for (const d of dirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Kills everything after `ms` if a test file hangs, so `make test` stays bounded. */
export function watchdog(ms = 150000) {
  const t = setTimeout(() => {
    process.stderr.write(`\n[e2e] watchdog: file exceeded ${ms} ms\n`);
    killAll();
    process.exit(1);
  }, ms);
  t.unref();
}

/**
 * Why the browser tests cannot run here (false if they can). Under `make test`
 * (TONARI_E2E_REQUIRED=1) they never skip: a missing piece is a failure.
 */
export function skipReason() {
  if (process.env.TONARI_E2E_REQUIRED) return false;
  const missing = requirements();
  return missing.length ? 'missing ' + missing.join(', ') : false;
}

export function requirements() {
  const missing = [];
  if (!existsSync(TONARI_BIN)) missing.push(`server binary ${TONARI_BIN}`);
  if (!existsSync(join(DIST, 'index.html'))) missing.push(`built web client ${DIST} (npm run build)`);
  if (!existsSync(CHROMIUM)) missing.push(`Chromium ${CHROMIUM} (apt-get install chromium)`);
  return missing;
}

/** The sanitizer test files (../shared/fixtures/sanitize from the repository; never copied in). */
export const FIXTURES = resolve(REPO_DIR, '..', 'shared', 'fixtures', 'sanitize');

export class Server {
  /** `internet`: a second listener in the Internet zone (`internetBase`), from a config file. */
  constructor({ internet = false } = {}) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'tonari-e2e-'));
    dirs.add(this.dataDir);
    this.port = 0;
    this.internetPort = 0;
    this.internet = internet;
    this.proc = null;
    this.log = '';
  }
  get base() {
    return `http://127.0.0.1:${this.port}`;
  }
  get internetBase() {
    return `http://127.0.0.1:${this.internetPort}`;
  }

  start() {
    const args = ['serve', '--data', this.dataDir, '--demo', '--web', DIST];
    if (this.internet) {
      const conf = join(this.dataDir, 'zones.toml');
      writeFileSync(
        conf,
        `[[listen]]\naddress = "127.0.0.1"\nport = ${this.port}\nzone = "lgwan"\n` +
          `[[listen]]\naddress = "127.0.0.1"\nport = ${this.internetPort}\nzone = "internet"\n`,
      );
      args.push('--config', conf);
    } else {
      args.push('--listen', `127.0.0.1:${this.port}`);
    }
    const proc = spawn(TONARI_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    children.add(proc);
    proc.on('exit', () => children.delete(proc));
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d) => {
      this.log = (this.log + d).slice(-20000);
    });
    proc.stdout.setEncoding('utf8');
    return new Promise((res, rej) => {
      let buf = '';
      const timer = setTimeout(() => rej(new Error('tonari did not get ready in 30 s\n' + this.log)), 30000);
      proc.on('error', (e) => {
        clearTimeout(timer);
        rej(new Error(`cannot start ${TONARI_BIN}: ${e.message}`));
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`tonari exited (${code}) before ready\n${this.log}`));
      });
      proc.stdout.on('data', (d) => {
        buf += d;
        for (const m of buf.matchAll(/tonari listening on http:\/\/127\.0\.0\.1:(\d+)(?: zone=(\w+))?/g)) {
          if (m[2] === 'internet') this.internetPort = Number(m[1]);
          else this.port = Number(m[1]);
        }
        if (/^tonari ready$/m.test(buf)) {
          clearTimeout(timer);
          res(this);
        }
      });
    });
  }

  /** SIGTERM and wait (SIGKILL after 10 s). */
  async stop() {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10000);
    await done;
    clearTimeout(t);
  }

  /** Start again on the same port with the same data (the browser keeps its URL). */
  async restart() {
    await this.stop();
    for (let i = 0; ; i++) {
      try {
        await this.start();
        return this;
      } catch (e) {
        if (i >= 10) throw e;
        await sleep(300); // the port may still be in TIME_WAIT
      }
    }
  }

  // --- REST as another user (bearer token), for setting up and checking ---
  async token(login, base = this.base) {
    const r = await fetch(base + '/api/login', {
      method: 'POST',
      body: JSON.stringify({ tenant: TENANT, login, password: PASSWORD, token: true }),
    });
    if (!r.ok) throw new Error(`login ${login}: ${r.status} ${await r.text()}`);
    return (await r.json()).token;
  }
  async api(token, method, path, body, base = this.base) {
    const r = await fetch(base + path, {
      method,
      headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  /**
   * Uploads `bytes` as `name` into `room` (docs/api.md, "Files": a session, then chunks of
   * chunk_bytes) through `base` (the Internet listener for an upload from outside). Returns
   * the file.
   */
  async upload(token, room, name, type, bytes, base = this.base) {
    const { upload } = await this.api(token, 'POST', `/api/rooms/${room}/uploads`, { name, size: bytes.length, type }, base);
    let offset = upload.offset;
    for (;;) {
      const end = Math.min(bytes.length, offset + upload.chunk_bytes);
      const r = await fetch(`${base}/api/uploads/${upload.id}`, {
        method: 'PUT',
        headers: { Authorization: 'Bearer ' + token, 'Upload-Offset': String(offset), 'Content-Type': 'application/octet-stream' },
        body: bytes.subarray(offset, end),
      });
      const text = await r.text();
      if (!r.ok) throw new Error(`PUT upload ${name} at ${offset}: ${r.status} ${text}`);
      const answer = JSON.parse(text);
      if (answer.file) return answer.file;
      offset = answer.upload.offset;
    }
  }
  /** Waits until the file's sanitizing job has ended; returns the file. */
  async settled(token, id, base = this.base) {
    return until(
      async () => {
        const { file } = await this.api(token, 'GET', `/api/files/${id}`, undefined, base);
        return file.state !== 'processing' && file;
      },
      { timeout: 30000, what: `file ${id} to be processed` },
    );
  }
  async roomId(token, name) {
    const { rooms } = await this.api(token, 'GET', '/api/rooms');
    const r = rooms.find((x) => x.name === name);
    if (!r) throw new Error('no room ' + name);
    return r.id;
  }
  async allMessages(token, room) {
    const out = [];
    let before;
    for (;;) {
      const q = before ? `?before=${before}&limit=200` : '?limit=200';
      const page = await this.api(token, 'GET', `/api/rooms/${room}/messages${q}`);
      out.unshift(...page.messages);
      if (!page.has_more || !page.messages.length) return out;
      before = page.messages[0].seq;
    }
  }
}

export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Headless Chromium with a fresh, temporary profile. Only 127.0.0.1 is ever visited. */
export async function launch() {
  const b = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS, timeout: 30000 });
  browsers.add(b);
  return b;
}

export async function newPage(browser, { width = 1280, height = 800, mobile = false } = {}) {
  const ctx = await browser.newContext({
    viewport: { width, height },
    deviceScaleFactor: 1,
    isMobile: mobile,
    hasTouch: mobile,
    locale: 'ja-JP',
    timezoneId: 'Asia/Tokyo',
  });
  contexts.add(ctx);
  ctx.setDefaultTimeout(15000);
  const page = await ctx.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  // Requests still open, so that a stall can say what the page was waiting for.
  page.pending = new Map();
  page.on('request', (r) => page.pending.set(r, Date.now()));
  page.on('requestfinished', (r) => page.pending.delete(r));
  page.on('requestfailed', (r) => page.pending.delete(r));
  page.consoleErrors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') page.consoleErrors.push(m.text());
  });
  // Only the local server: anything else would be a bug (and must never leave the machine).
  await ctx.route(/^(?!http:\/\/127\.0\.0\.1[:/]).*/, (route) => route.abort());
  return page;
}

// Waits for `locator`; if it does not appear within `ms`, prints what the page was still
// waiting for (open requests, errors, its text) before failing, so that a stall in CI says
// where it was. (An intermittent "読み込み中…" stall came from useStore missing a state
// change made between a render and its subscription: see web/src/state/watch.ts.)
export async function appears(page, locator, what, ms = 15000) {
  try {
    await locator.waitFor({ timeout: ms });
  } catch (e) {
    console.error(`e2e: ${what} did not appear within ${ms} ms`);
    const now = Date.now();
    for (const [r, t] of page.pending ?? []) {
      console.error(`e2e:   still open: ${r.method()} ${r.url()} (${now - t} ms, ${r.resourceType()})`);
    }
    for (const err of page.errors ?? []) console.error(`e2e:   page error: ${err}`);
    for (const err of page.consoleErrors ?? []) console.error(`e2e:   console error: ${err}`);
    const text = await page.evaluate(() => document.body?.innerText?.slice(0, 200) ?? '').catch(() => '?');
    console.error(`e2e:   page text: ${JSON.stringify(text)}`);
    throw e;
  }
}

export async function login(page, base, loginId) {
  await page.goto(base + '/');
  await appears(page, page.getByLabel('自治体コード'), 'the login form');
  await page.getByLabel('自治体コード').fill(TENANT);
  await page.getByLabel('ログインID').fill(loginId);
  await page.getByLabel('パスワード').fill(PASSWORD);
  await page.getByRole('button', { name: 'ログイン' }).click();
  await page.locator('.room-item').first().waitFor();
  await waitLive(page);
}

export async function waitLive(page, timeout = 20000) {
  await page.locator('.conn-dot.conn-live').waitFor({ timeout });
}

export async function openRoom(page, name) {
  await page.locator('.room-item', { has: page.locator('.room-name', { hasText: name }) }).first().click();
  await page.locator('#room-title', { hasText: name }).waitFor();
  await page.locator('.timeline .messages').waitFor();
}

/** Types into the composer and presses Enter. */
export async function send(page, text) {
  const box = page.locator('#composer-input');
  await box.click();
  await box.fill(text);
  await box.press('Enter');
}

export function msgLocator(page, text) {
  return page.locator('.messages > li.msg', { has: page.locator('.msg-body', { hasText: text }) });
}

export async function shot(page, name, docsName) {
  mkdirSync(SHOTS, { recursive: true });
  const file = join(SHOTS, name + '.png');
  await page.screenshot({ path: file });
  if (docsName && !process.env.TONARI_E2E_NO_DOCS) copyFileSync(file, join(REPO_DIR, 'docs', docsName));
  return file;
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Fails if axe-core finds WCAG 2 A/AA violations on the page (`what` names the screen). */
export async function audit(page, what) {
  // Evaluated through the DevTools protocol: the page itself keeps its CSP (no inline scripts).
  await page.evaluate(axeSource);
  const r = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const res = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return res.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  assert.deepEqual(r, [], `${what}: ${JSON.stringify(r, null, 1)}`);
}

/** Closes the browser contexts (pages) of the test that just ran. */
export async function closeContexts() {
  for (const c of contexts) {
    try {
      await c.close();
    } catch {
      /* ignore */
    }
  }
  contexts.clear();
}

export async function closeAll() {
  await closeContexts();
  for (const b of browsers) {
    try {
      await b.close();
    } catch {
      /* ignore */
    }
  }
  browsers.clear();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn until it returns a truthy value (bounded). */
export async function until(fn, { timeout = 15000, interval = 100, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await sleep(interval);
  }
}

// Registers what every browser test file needs: a watchdog, one Chromium per file, and a
// fresh server (own data directory; `server`: its options) and fresh browser contexts per
// test. Returns the live bindings: env.browser, env.srv (set during each test) and env.skip.
export function browserSuite({ watchdogMs, server } = {}) {
  watchdog(watchdogMs);
  const env = { skip: skipReason(), srv: undefined, browser: undefined };
  before(async () => {
    if (env.skip) return;
    env.browser = await launch();
  });
  beforeEach(async () => {
    if (env.skip) return;
    env.srv = await new Server(server).start();
  });
  afterEach(async () => {
    await closeContexts();
    await env.srv?.stop();
    env.srv = undefined;
  });
  after(async () => {
    await closeAll();
  });
  return env;
}
