// Abuse limits are the cluster's, not each node's: a user who spreads posts over two nodes
// gets the burst once, and guesses at a password spread over two nodes are throttled as on
// one (docs/operations.md, "Hosted service"). Two nodes on one PostgreSQL and nats-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { login, loginRaw, sleep } from './lib/client.mjs';
import { cleanupAll, installWatchdog, binaryExists, makeDataDir, TONARI_BIN } from './lib/server.mjs';
import { startCluster, onNode } from './lib/cluster.mjs';
import { createGroup, assertError } from './lib/util.mjs';

installWatchdog(120000);
after(cleanupAll);
if (!binaryExists()) throw new Error(`tonari binary not found at ${TONARI_BIN} (set TONARI_BIN)`);

let A;
let B;
// What a node's notice of the tokens its users took needs to reach the other (sent every
// 100 ms): generous.
const NOTICE_MS = 600;

before(async () => {
  const dir = makeDataDir();
  const config = join(dir, 'limits.toml');
  // 6 posts at once, then one every 10 s: the test never waits for a refill.
  writeFileSync(config, '[limits]\nmessage_burst = 6\nmessages_per_second = 0.1\n');
  const cluster = await startCluster({ nodes: 2, extraArgs: ['--config', config] });
  [A, B] = cluster.nodes;
});

test('a user posting through two nodes gets one burst, not one per node', { timeout: 60000 }, async () => {
  const onA = await login(A, 'kato');
  const onB = onNode(onA, B);
  const room = await createGroup(onA, '負荷試験', []);
  const post = (client, n) => client.post(`/api/rooms/${room.id}/messages`, { client_id: `lim-${n}`, body: `連絡 ${n}` });
  for (let n = 1; n <= 4; n++) assert.equal((await post(onA, n)).status, 201, `post ${n} on A`);
  await sleep(NOTICE_MS);
  // Two tokens are left in the cluster: B grants them, then refuses.
  assert.equal((await post(onB, 5)).status, 201, 'post 5 on B');
  assert.equal((await post(onB, 6)).status, 201, 'post 6 on B');
  const refused = await post(onB, 7);
  assertError(refused, 429, 'rate_limited', 'post 7 on B: the burst was spent across the nodes');
  assert.ok(refused.json.error.retry_after_ms > 0, `a retry hint: ${refused.text}`);
  await sleep(NOTICE_MS);
  // ... and A knows what B granted.
  assertError(await post(onA, 8), 429, 'rate_limited', 'post 8 on A');
  // Another user is not held back.
  const other = await login(B, 'sato');
  const theirs = await createGroup(other, '別件', []);
  const r = await other.post(`/api/rooms/${theirs.id}/messages`, { client_id: 'other-1', body: '別件です' });
  assert.equal(r.status, 201, r.text);
});

test('wrong passwords spread over two nodes are throttled as on one', { timeout: 60000 }, async () => {
  // pair_free_failures is 5: the attempts after five failures wait, whichever node they reach.
  const statuses = [];
  for (let i = 0; i < 8; i++) {
    const node = i % 2 === 0 ? A : B;
    const r = await loginRaw(node, { login: 'suzuki', password: `wrong-${i}` });
    statuses.push(r.status);
    await sleep(100);  // the outcome's notice reaches the other node
  }
  assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401], `first five: ${statuses}`);
  assert.ok(statuses.slice(5).every((s) => s === 429), `then throttled on both nodes: ${statuses}`);
});
