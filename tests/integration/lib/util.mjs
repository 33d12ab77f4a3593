// Shared assertions and fixtures.
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, cleanupAll, installWatchdog, binaryExists, makeDataDir, TONARI_BIN } from './server.mjs';
import { login } from './client.mjs';

export const DEMO_LOGINS = ['yamada', 'tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe'];

// Per test file: one watchdog, cleanup in after(), a server started lazily.
export function fileSetup({ watchdogMs = 60000 } = {}) {
  installWatchdog(watchdogMs);
  after(async () => { await cleanupAll(); });
  if (!binaryExists()) {
    throw new Error(`tonari binary not found at ${TONARI_BIN} (set TONARI_BIN)`);
  }
}

export async function demoServer(opts = {}) {
  return startServer({ demo: true, ...opts });
}

// A demo server with `[limits]` keys set from `limits` ({max_room_members: 4, …}).
export async function demoServerWithLimits(limits, opts = {}) {
  const dir = makeDataDir();
  const file = join(dir, 'limits.toml');
  writeFileSync(file, `[limits]\n${Object.entries(limits).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);
  return demoServer({ ...opts, dataDir: dir, extraArgs: [...(opts.extraArgs || []), '--config', file] });
}

// Log in every listed demo user (cookie sessions). Returns {login: Client}.
export async function loginAll(server, logins = DEMO_LOGINS, opts = {}) {
  const out = {};
  for (const l of logins) out[l] = await login(server, l, opts);
  return out;
}

export function assertError(r, status, code, ctx = '') {
  const where = ctx ? ` (${ctx})` : '';
  assert.equal(r.status, status, `expected HTTP ${status}${where}, got ${r.status}: ${r.text}`);
  assert.ok(r.json && typeof r.json === 'object', `error body is not JSON${where}: ${r.text}`);
  assert.ok(r.json.error && typeof r.json.error === 'object', `error body lacks "error" object${where}: ${r.text}`);
  assert.equal(r.json.error.code, code, `expected error code ${code}${where}, got: ${r.text}`);
  assert.equal(typeof r.json.error.message, 'string', `error.message must be a string${where}: ${r.text}`);
  return r.json.error;
}

export function assertStatus(r, status, ctx = '') {
  assert.equal(r.status, status, `expected HTTP ${status}${ctx ? ` (${ctx})` : ''}, got ${r.status}: ${r.text}`);
  return r.json;
}

const jaCollator = new Intl.Collator('ja');

// 五十音 order of readings. Ties allowed.
export function assertGojuon(users, ctx = '') {
  const readings = users.map((u) => u.reading);
  for (let i = 1; i < readings.length; i++) {
    assert.ok(jaCollator.compare(readings[i - 1], readings[i]) <= 0,
      `not in 五十音 order of reading${ctx ? ` (${ctx})` : ''}: ${JSON.stringify(readings[i - 1])} before ${JSON.stringify(readings[i])}; all: ${JSON.stringify(readings)}`);
  }
}

export function assertUserShape(u, ctx = '') {
  assert.equal(typeof u.id, 'number', `user.id ${ctx}`);
  assert.equal(typeof u.login, 'string', `user.login ${ctx}`);
  assert.equal(typeof u.name, 'string', `user.name ${ctx}`);
  assert.equal(typeof u.reading, 'string', `user.reading ${ctx}`);
  assert.ok(u.department === null || (typeof u.department === 'object' && typeof u.department.id === 'number' && typeof u.department.name === 'string'),
    `user.department must be null or {id,name} ${ctx}: ${JSON.stringify(u.department)}`);
  assert.ok(['staff', 'admin'].includes(u.role), `user.role ${ctx}: ${u.role}`);
  assert.ok('title' in u, `user.title present ${ctx}`);
  assert.ok('status' in u, `user.status present ${ctx}`);
}

export function assertMessageShape(m, ctx = '') {
  for (const k of ['id', 'room', 'seq', 'sender', 'created_at']) {
    assert.equal(typeof m[k], 'number', `message.${k} must be a number ${ctx}: ${JSON.stringify(m)}`);
  }
  assert.equal(typeof m.body, 'string', `message.body ${ctx}`);
  assert.equal(typeof m.sender_name, 'string', `message.sender_name ${ctx}`);
  assert.equal(typeof m.deleted, 'boolean', `message.deleted ${ctx}`);
  assert.ok(Array.isArray(m.mentions), `message.mentions array ${ctx}`);
  assert.equal(typeof m.mention_all, 'boolean', `message.mention_all ${ctx}`);
  assert.ok(m.edited_at === null || typeof m.edited_at === 'number', `message.edited_at ${ctx}`);
  assert.ok(m.reply_to === null || typeof m.reply_to === 'object', `message.reply_to ${ctx}`);
}

// All messages of a room, paging backwards from the latest with before= (asserts paging sanity).
export async function fetchAllMessages(client, room, pageSize = 200) {
  const pages = [];
  let before = null;
  for (let guard = 0; guard < 1000; guard++) {
    const q = before === null ? `limit=${pageSize}` : `before=${before}&limit=${pageSize}`;
    const r = await client.get(`/api/rooms/${room}/messages?${q}`);
    assert.equal(r.status, 200, `history page ${q}: ${r.text}`);
    const msgs = r.json.messages;
    pages.unshift(msgs);
    if (!r.json.has_more) break;
    assert.ok(msgs.length > 0, 'has_more=true with an empty page');
    before = msgs[0].seq;
  }
  return pages.flat();
}

export async function roomSummary(client, roomId) {
  const r = await client.get('/api/rooms');
  assert.equal(r.status, 200, r.text);
  return r.json.rooms.find((x) => x.id === roomId);
}

export async function createGroup(client, name, memberIds) {
  const r = await client.post('/api/rooms', { name, members: memberIds });
  assert.equal(r.status, 201, `create room ${name}: ${r.text}`);
  return r.json.room;
}

export async function postMessage(client, room, body, extra = {}) {
  const r = await client.post(`/api/rooms/${room}/messages`, { client_id: extra.client_id || `r-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`, body, ...extra });
  assert.equal(r.status, 201, `post message to ${room}: ${r.text}`);
  return r.json.message;
}

// Wait until fn() returns a truthy value (polling), for state that is only
// eventually visible (e.g. coalesced read counts).
export async function eventually(fn, { timeoutMs = 3000, intervalMs = 50, desc = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${desc}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
