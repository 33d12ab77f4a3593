// Working together on the hosted service: two tonari nodes on one PostgreSQL and one
// nats-server. Answers go through both nodes; each node publishes the tallies of what it
// noted (services/actions.h), so members on either node see the final tally. Reactions,
// notes and pins made on one node reach the other live.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { login, cid } from './lib/client.mjs';
import { cleanupAll, installWatchdog, binaryExists, makeDataDir, TONARI_BIN } from './lib/server.mjs';
import { startCluster, onNode } from './lib/cluster.mjs';
import { assertError, assertStatus, createGroup } from './lib/util.mjs';

installWatchdog(240000);
after(cleanupAll);
if (!binaryExists()) throw new Error(`tonari binary not found at ${TONARI_BIN} (set TONARI_BIN)`);

const T = { timeout: 120000 };
const DELIVERY_MS = 10000;
let A;
let B;
const U = {};  // login → client on node A
const ON_B = {};  // login → the same session on node B

before(async () => {
  const dir = makeDataDir();
  const config = join(dir, 'limits.toml');
  writeFileSync(config, '[limits]\nmessages_per_second = 0\nwrites_per_second = 0\n');
  const cluster = await startCluster({ nodes: 2, extraArgs: ['--config', config] });
  [A, B] = cluster.nodes;
  for (const l of ['tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe']) {
    U[l] = await login(A, l);
    ON_B[l] = onNode(U[l], B);
  }
});

test('answers through two nodes: both publish, every member sees the final tally', T, async () => {
  const { tanaka, sato, suzuki, takahashi, ito, watanabe } = U;
  const room = (await createGroup(tanaka, '二台の出欠', [sato.id, suzuki.id, takahashi.id, ito.id, watanabe.id])).id;
  const wsA = await sato.ws();
  const wsB = await ON_B.suzuki.ws();
  const q = (await tanaka.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid(), action: { kind: 'attendance', title: '防災訓練の出欠' } }, 201)).message;
  const who = ['tanaka', 'sato', 'suzuki', 'takahashi', 'ito', 'watanabe'];
  await Promise.all(who.map((l, i) => {
    const c = i % 2 === 0 ? U[l] : ON_B[l];
    return c.req('PUT', `/api/rooms/${room}/messages/${q.seq}/action/answer`, { body: { picks: [{ option: i % 3, value: 0 }] } })
      .then((r) => assertStatus(r, 200, `${l} answers on node ${i % 2 === 0 ? 'A' : 'B'}`));
  }));
  const final = (f) => f.type === 'action.updated' && f.room === room && f.action.answered === 6;
  const [a, b] = await Promise.all([wsA.next(final, DELIVERY_MS, 'final tally on A'), wsB.next(final, DELIVERY_MS, 'final tally on B')]);
  assert.deepEqual(a.action.counts, [2, 2, 2]);
  assert.deepEqual(b.action.counts, [2, 2, 2]);
  assert.equal(a.action.pending, 0);
  assert.deepEqual(wsA.evErrors, []);
  assert.deepEqual(wsB.evErrors, []);
  const st = (await ON_B.ito.ok('GET', `/api/rooms/${room}/messages/${q.seq}/action`)).action;
  assert.deepEqual([st.counts, st.mine], [[2, 2, 2], [{ option: 1, value: 0 }]]);
  await wsA.close();
  await wsB.close();
});

test('reactions, notes and pins made on one node reach the other live', T, async () => {
  const { tanaka, sato } = U;
  const room = (await createGroup(tanaka, '二台の共同作業', [sato.id])).id;
  const wsA = await tanaka.ws();
  const m = (await tanaka.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid(), body: '手順書を更新しました' }, 201)).message;
  assertStatus(await ON_B.sato.req('PUT', `/api/rooms/${room}/messages/${m.seq}/reactions/${encodeURIComponent('s:haiken')}`), 200);
  const r = await wsA.next((f) => f.type === 'reaction.updated' && f.room === room, DELIVERY_MS, 'reaction from B');
  assert.deepEqual([r.key, r.count, r.user], ['s:haiken', 1, sato.id]);

  const n = (await ON_B.sato.ok('POST', `/api/rooms/${room}/notes`, { title: '手順書', body: '1. 確認' }, 201)).note;
  await wsA.next((f) => f.type === 'note.updated' && f.room === room && f.note.id === n.id, DELIVERY_MS, 'note from B');
  assertStatus(await tanaka.req('PUT', `/api/rooms/${room}/notes/${n.id}`, { body: { title: '手順書', body: '1. 確認\n2. 報告', base_version: 1 } }), 200);
  const late = await ON_B.sato.req('PUT', `/api/rooms/${room}/notes/${n.id}`, { body: { title: '手順書', body: '1. 確認する', base_version: 1 } });
  const e = assertError(late, 409, 'conflict', 'an edit on B of the version A replaced');
  assert.equal(e.reason, 'version');
  assert.equal(late.json.note.version, 2);

  assertStatus(await ON_B.sato.req('PUT', `/api/rooms/${room}/pins/note/${n.id}`), 200);
  const p = await wsA.next((f) => f.type === 'pin.added' && f.room === room, DELIVERY_MS, 'pin from B');
  assert.equal(p.pin.note, n.id);
  assert.deepEqual(wsA.evErrors, []);
  await wsA.close();
});
