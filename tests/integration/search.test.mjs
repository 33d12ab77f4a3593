// Full-text search (issue 22) through the real binary: a generated corpus of municipal
// Japanese (width, kana and 長音 variants, Latin words and numbers, one- and two-character
// words, IVS, emoji) posted as messages, notes and file names; every query's results, page
// by page, equal a brute-force substring scan of what the searcher may read (precision and
// recall 100%). The oracle normalizes with `tonari admin normalize` — the server's own
// normalizer (unit-tested on its own) — so what is tested here is the index, its recheck,
// the permission filter, the filters and the paging. Also: non-members, another
// municipality, a room left, deleted and pre-edit text never found; `around=`; the reindex
// CLI while the server runs; the search rate and `[search] index = false`.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { login, cid } from './lib/client.mjs';
import { createTenant, createUser, runTonari, makeDataDir, TONARI_BIN } from './lib/server.mjs';
import { uploadFile } from './lib/files.mjs';
import {
  fileSetup, demoServer, demoServerWithLimits, assertError, assertStatus, createGroup,
  fetchAllMessages,
} from './lib/util.mjs';

fileSetup({ watchdogMs: 600000 });

const T = { timeout: 300000 };
const TENANT = '999201';
const OTHER_TENANT = '999202';
const PASSWORD = 'search-test-pw';

function writeToml(text) {
  const file = join(makeDataDir(), 'search.toml');
  writeFileSync(file, text);
  return file;
}

// ---- A deterministic corpus ------------------------------------------------------------

let seed = 22;
function rand() {  // xorshift32
  seed ^= seed << 13; seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5; seed >>>= 0;
  return seed / 0x100000000;
}
const pick = (a) => a[Math.floor(rand() * a.length)];

// Each entry: the ways one word is written; a message takes one of them.
const WORDS = [
  ['会議'], ['会議室'], ['防災訓練'], ['防災'], ['訓練'], ['総務課'], ['税務課'], ['東京都'],
  ['京都'], ['例規審査会'], ['予算'], ['議事録'], ['住民票'], ['窓口'], ['庁舎'], ['避難所'],
  ['台風'], ['申請書'], ['決裁'], ['課長'], ['市役所'], ['町内会'], ['健康診断'], ['引継ぎ'],
  ['ワクチン', 'わくちん', 'ﾜｸﾁﾝ'], ['カイギ', 'かいぎ', 'ｶｲｷﾞ'],
  ['サーバー', 'サーバ－', 'ｻｰﾊﾞｰ', 'さーばー'], ['データ', 'デ－タ', 'ﾃﾞｰﾀ'], ['メール', 'メ‐ル'],
  ['RPA', 'ＲＰＡ', 'rpa'], ['LGWAN', 'lgwan', 'ＬＧＷＡＮ'], ['Excel', 'EXCEL', 'excel'],
  ['PDF', 'pdf'], ['Zoom'], ['VPN'], ['2025'], ['30'], ['3'], ['10月'],
  ['課'], ['市'], ['町'], ['係'], ['村'],
  ['葛\u{E0100}飾区', '葛飾区'], ['👍'], ['㈱'], ['①'],
];
const FILLERS = ['は', 'が', 'の', 'を', 'に', 'で', 'と', 'も', 'です', 'します', 'お願いします',
  '。', '、', ' ', '　', '！', '\n', '（', '）', ''];

function sentence() {
  const n = 2 + Math.floor(rand() * 5);
  let s = '';
  for (let i = 0; i < n; i += 1) s += pick(pick(WORDS)) + pick(FILLERS);
  return s.trim() || '会議';
}

// Queries: every way of writing every word, prefixes and middles of Latin words, two-word
// queries, phrases, exclusions, and some the server must refuse.
function queries() {
  const qs = new Set();
  for (const w of WORDS) for (const v of w) qs.add(v);
  for (const q of ['lgw', 'wan', 'exc', 'cel', '20', '202', '1', 'ｶｲ', 'かい', 'イギ', '務課', '京', '議', '葛飾',
    '(株)', '株', '1', 'サーハ', 'ばー', '審査', 'ＬＧＷ', 'Rp']) qs.add(q);
  for (let i = 0; i < 40; i += 1) qs.add(`${pick(pick(WORDS))} ${pick(pick(WORDS))}`);
  for (let i = 0; i < 8; i += 1) qs.add(`"${pick(WORDS)[0]} ${pick(WORDS)[0]}"`);
  for (let i = 0; i < 12; i += 1) qs.add(`${pick(WORDS)[0]} -${pick(WORDS)[0]}`);
  for (const q of ['会議　予算', '防災 -訓練', '-会議 予算', '“会議 予算”']) qs.add(q);
  return [...qs];
}

// ---- The oracle: `tonari admin normalize` and a substring scan -------------------------

function normalizeTool(lines, query = false) {
  if (lines.length === 0) return [];
  const out = execFileSync(TONARI_BIN, ['admin', 'normalize', ...(query ? ['--query'] : [])], {
    input: lines.map((l) => JSON.stringify(l)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 28,
  });
  const parsed = out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
  assert.equal(parsed.length, lines.length, 'tonari admin normalize: one line out per line in');
  return parsed;
}

// Every search document `c` may read now, as the API shows its sources: messages (not
// system, stamp or deleted), their files (name; no text: no sanitizing job runs here) and
// notes (title, a new line, body).
async function corpusOf(c) {
  const docs = [];
  for (const r of (await c.ok('GET', '/api/rooms')).rooms) {
    for (const m of await fetchAllMessages(c, r.id)) {
      if (m.deleted || m.kind === 'system') continue;
      const base = { room: r.id, seq: m.seq, sender: m.sender, at: m.created_at,
        hasFile: (m.files || []).length > 0 };
      if (m.body && !m.stamp && !m.action) docs.push({ ...base, kind: 'message', key: `message:${r.id}:${m.seq}`, text: m.body });
      for (const f of m.files || []) {
        docs.push({ ...base, kind: 'file', file: f.id, hasFile: true, key: `file:${r.id}:${f.id}`, text: `${f.name}\n` });
      }
    }
    for (const n of (await c.ok('GET', `/api/rooms/${r.id}/notes`)).notes) {
      const full = (await c.ok('GET', `/api/rooms/${r.id}/notes/${n.id}`)).note;
      docs.push({ kind: 'note', key: `note:${r.id}:${n.id}`, room: r.id, note: n.id, sender: full.updated_by,
        at: full.updated_at, hasFile: false, text: `${full.title}\n${full.body}` });
    }
  }
  const norms = normalizeTool(docs.map((d) => d.text));
  docs.forEach((d, i) => { d.norm = norms[i]; });
  return docs;
}

const parsedQueries = new Map();  // query text → {terms, excluded} or {error}
function parsedQuery(q) {
  if (!parsedQueries.has(q)) parsedQueries.set(q, normalizeTool([q], true)[0]);
  return parsedQueries.get(q);
}
function parseAll(qs) {
  const todo = qs.filter((q) => !parsedQueries.has(q));
  normalizeTool(todo, true).forEach((p, i) => parsedQueries.set(todo[i], p));
}

// The keys the search must give: documents with every term and no excluded one, through
// the filters of `params`.
function expected(docs, q, params = {}) {
  const p = parsedQuery(q);
  return new Set(docs.filter((d) => {
    if (!p.terms.every((t) => d.norm.includes(t))) return false;
    if (p.excluded.some((t) => d.norm.includes(t))) return false;
    if (params.room && d.room !== Number(params.room)) return false;
    if (params.sender && d.sender !== Number(params.sender)) return false;
    if (params.from && d.at < Number(params.from)) return false;
    if (params.to && d.at >= Number(params.to)) return false;
    if (params.kind && params.kind !== 'all' && `${d.kind}s` !== params.kind) return false;
    if (params.has === 'file' && !d.hasFile) return false;
    return true;
  }).map((d) => d.key));
}

let reindexed = false;  // tonari admin reindex has run
const keyOf = (r) => `${r.kind}:${r.room.id}:${r.kind === 'message' ? r.seq : r.kind === 'note' ? r.note : r.file.id}`;

// Every page of a search; asserts the shape of each result, no duplicates across pages and,
// newest first, times that never go up. Returns the results in order.
async function searchAll(c, q, params = {}) {
  const limit = params.limit || pick([5, 17, 50, 100]);
  const all = [];
  const seen = new Set();
  let after = null;
  for (let page = 0; page < 1000; page += 1) {
    const qs = new URLSearchParams({ q, ...params, limit: String(limit) });
    if (after) qs.set('after', after);
    const r = await c.get(`/api/search?${qs}`);
    assertStatus(r, 200, `search ${qs}`);
    const { results, next } = r.json;
    assert.ok(Array.isArray(results) && results.length <= limit, `page size ${results.length} > ${limit}`);
    for (const x of results) {
      checkResult(x, q);
      const k = keyOf(x);
      assert.ok(!seen.has(k), `${q}: ${k} twice (page ${page}, limit ${limit})`);
      seen.add(k);
      all.push(x);
    }
    if (next === null) break;
    assert.equal(typeof next, 'string');
    // A page before the last is full: filtering never starves a page.
    assert.equal(results.length, limit, `${q}: a page of ${results.length} before the last (limit ${limit})`);
    after = next;
  }
  if (params.order !== 'relevance') {
    // Newest first by document: a message keeps its place for good; a note or a file may
    // take a new one when the index is rebuilt, so after that only messages are compared.
    const timed = reindexed ? all.filter((x) => x.kind === 'message') : all;
    for (let i = 1; i < timed.length; i += 1) {
      assert.ok(timed[i - 1].at >= timed[i].at, `${q}: newest first, but ${keyOf(timed[i - 1])} (${timed[i - 1].at}) before ${keyOf(timed[i])} (${timed[i].at})`);
    }
  }
  return all;
}

function checkResult(x, q) {
  const ctx = `${q}: ${JSON.stringify(x).slice(0, 300)}`;
  assert.ok(['message', 'note', 'file'].includes(x.kind), ctx);
  assert.equal(typeof x.room.id, 'number', ctx);
  assert.equal(typeof x.room.name, 'string', ctx);
  assert.ok(['group', 'direct'].includes(x.room.kind), ctx);
  assert.equal(typeof x.sender.id, 'number', ctx);
  assert.equal(typeof x.sender.name, 'string', ctx);
  assert.equal(typeof x.at, 'number', ctx);
  assert.ok(Array.isArray(x.snippet), ctx);
  for (const p of [...x.snippet, ...(x.title || [])]) {
    assert.equal(typeof p.text, 'string', ctx);
    assert.equal(typeof p.hit, 'boolean', ctx);
  }
  if (x.kind === 'message') {
    assert.equal(typeof x.seq, 'number', ctx);
    // A message is found by its body: the excerpt shows a match.
    assert.ok(x.snippet.some((p) => p.hit), `no match marked in the snippet: ${ctx}`);
  }
  if (x.kind === 'note') {
    assert.equal(typeof x.note, 'number', ctx);
    assert.ok(Array.isArray(x.title) && x.title.length > 0, ctx);
  }
  if (x.kind === 'file') {
    assert.equal(typeof x.seq, 'number', ctx);
    assert.equal(typeof x.file.id, 'number', ctx);
    assert.equal(x.title.map((p) => p.text).join(''), x.file.name, `the title pieces make the name: ${ctx}`);
  }
}

function assertSameSet(got, want, what) {
  const missing = [...want].filter((k) => !got.has(k));
  const extra = [...got].filter((k) => !want.has(k));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${what}: recall (missing) and precision (extra)`);
}

// ---- The municipality -------------------------------------------------------------------

let srv;
const U = {};        // login → client
const R = {};        // name → room id
const MARK = {       // words that only some documents have
  secret: '極秘税務メモ',      // room r3, where ichiro is not a member
  deleted: '削除予定ゴミ箱',   // messages deleted later
  deletedFile: '削除添付ファイル',
  preEdit: '編集前の誤字',     // messages edited later (gone from their text)
  postEdit: '編集後の正字',
  left: '退室前の話題',        // the room ichiro leaves
  other: '別自治体の会議',     // another municipality
  oldTitle: '旧題ノート',
  newTitle: '新題ノート',
  goneNote: '消えるノート',
};

async function post(c, room, body, extra = {}) {
  const r = await c.post(`/api/rooms/${room}/messages`, { client_id: cid(), body, ...extra });
  assertStatus(r, 201, `post ${body.slice(0, 40)}`);
  return r.json.message;
}

before(async () => {
  // The rates are not what this file is about (but the last tests); no sanitizing job runs,
  // so that files are found by their names alone.
  srv = await demoServer({ extraArgs: ['--config', writeToml('[limits]\nmessages_per_second = 0\n' +
    'writes_per_second = 0\nsearches_per_second = 0\n[files]\nworkers = 0\n')] });
  await createTenant(srv.dataDir, { code: TENANT, name: 'ことば市' });
  await createTenant(srv.dataDir, { code: OTHER_TENANT, name: 'べつ町' });
  const people = [['ichiro', '一郎', 'いちろう'], ['jiro', '次郎', 'じろう'], ['saburo', '三郎', 'さぶろう'], ['shiro', '四郎', 'しろう']];
  for (const [l, n, r] of people) {
    await createUser(srv.dataDir, { tenant: TENANT, login: l, name: `検索 ${n}`, reading: `けんさく ${r}`, password: PASSWORD });
    U[l] = await login(srv, l, { tenant: TENANT, password: PASSWORD });
  }
  await createUser(srv.dataDir, { tenant: OTHER_TENANT, login: 'goro', name: '別 五郎', reading: 'べつ ごろう', password: PASSWORD });
  U.goro = await login(srv, 'goro', { tenant: OTHER_TENANT, password: PASSWORD });
  const { ichiro, jiro, saburo, shiro, goro } = U;
  R.r1 = (await createGroup(ichiro, '防災訓練PJ', [jiro.id, saburo.id, shiro.id])).id;
  R.r2 = (await createGroup(jiro, '総務課連絡', [ichiro.id])).id;
  R.r3 = (await createGroup(jiro, '税務課', [saburo.id])).id;
  R.left = (await createGroup(jiro, '一時的な部屋', [ichiro.id])).id;
  R.direct = (await ichiro.ok('POST', '/api/direct', { user: saburo.id })).room.id;
  R.other = (await createGroup(goro, '別町の部屋', [])).id;

  const members = { r1: [ichiro, jiro, saburo, shiro], r2: [ichiro, jiro], r3: [jiro, saburo], direct: [ichiro, saburo], left: [ichiro, jiro] };
  const posted = [];
  for (let i = 0; i < 360; i += 1) {
    const room = pick(['r1', 'r1', 'r2', 'r3', 'direct', 'left']);
    const c = pick(members[room]);
    posted.push({ room, c, m: await post(c, R[room], sentence()) });
  }
  for (let i = 0; i < 20; i += 1) await post(goro, R.other, `${MARK.other} ${sentence()}`);
  await post(jiro, R.r3, `${MARK.secret}：${sentence()}`);
  await post(saburo, R.r3, `${sentence()} ${MARK.secret}`);
  await post(jiro, R.left, `${MARK.left}です`);

  // Edits: the old text is gone from the index, the new one is there.
  for (let i = 0; i < 12; i += 1) {
    const { room, c } = posted[i * 7];
    const m = await post(c, R[room], `${MARK.preEdit} ${sentence()}`);
    const r = await c.patch(`/api/rooms/${R[room]}/messages/${m.seq}`, { body: `${MARK.postEdit} ${sentence()}` });
    assertStatus(r, 200, 'edit');
  }
  // Deletions, a message with files among them.
  for (let i = 0; i < 10; i += 1) {
    const { room, c } = posted[i * 11 + 3];
    const m = await post(c, R[room], `${MARK.deleted} ${sentence()}`);
    assertStatus(await c.del(`/api/rooms/${R[room]}/messages/${m.seq}`), 200, 'delete');
  }
  {
    const up = await uploadFile(jiro, R.r1, `${MARK.deletedFile}.txt`, Buffer.from('x'), { type: 'text/plain' });
    const m = await post(jiro, R.r1, `${MARK.deleted} 添付あり`, { files: [up.file.id] });
    assertStatus(await jiro.del(`/api/rooms/${R.r1}/messages/${m.seq}`), 200, 'delete with a file');
  }
  // Files (names only: no sanitizing job runs, so no extracted text).
  for (let i = 0; i < 12; i += 1) {
    const room = pick(['r1', 'r2', 'direct']);
    const c = pick(members[room]);
    const name = `${pick(WORDS)[0]}${pick(['_', '', ' ', '－'])}${pick(pick(WORDS))}.${pick(['txt', 'pdf', 'xlsx'])}`;
    const up = await uploadFile(c, R[room], name, Buffer.from(`file ${i}`), { type: 'text/plain' });
    await post(c, R[room], i % 3 === 0 ? '' : sentence(), { files: [up.file.id] });
  }
  // Notes: created, some saved again (the old version is not found), one deleted.
  for (let i = 0; i < 10; i += 1) {
    const room = pick(['r1', 'r2', 'r3']);
    const c = pick(members[room]);
    const n = (await c.ok('POST', `/api/rooms/${R[room]}/notes`, { title: i < 3 ? `${MARK.oldTitle}${i}` : Array.from(sentence().replace(/\s+/g, ' ')).slice(0, 40).join('').trim() || '会議', body: `${sentence()}\n${sentence()}` }, 201)).note;
    if (i < 3) {
      await c.ok('PUT', `/api/rooms/${R[room]}/notes/${n.id}`, { title: `${MARK.newTitle}${i}`, body: sentence(), base_version: 1 });
    } else if (i === 3) {
      await c.ok('PUT', `/api/rooms/${R[room]}/notes/${n.id}`, { title: MARK.goneNote, body: sentence(), base_version: 1 });
      await c.ok('DELETE', `/api/rooms/${R[room]}/notes/${n.id}`);
    }
  }
  // More messages after the notes: notes sit among the messages in time.
  for (let i = 0; i < 40; i += 1) {
    const room = pick(['r1', 'r2', 'r3', 'direct']);
    await post(pick(members[room]), R[room], sentence());
  }
});

// ---- Tests -------------------------------------------------------------------------------

test('results equal a brute-force scan of the search forms: precision and recall 100%', T, async () => {
  const qs = queries();
  parseAll(qs);
  for (const who of ['ichiro', 'jiro']) {
    const docs = await corpusOf(U[who]);
    assert.ok(docs.length > 200, `${who} reads ${docs.length} documents`);
    let nonEmpty = 0;
    for (const q of qs) {
      const p = parsedQuery(q);
      if (p.error) {
        assertError(await U[who].get(`/api/search?q=${encodeURIComponent(q)}`), 400, 'invalid_argument', q);
        continue;
      }
      const want = expected(docs, q);
      const got = await searchAll(U[who], q);
      assertSameSet(new Set(got.map(keyOf)), want, `${who} searches ${JSON.stringify(q)} ${JSON.stringify(p)}`);
      if (want.size) nonEmpty += 1;
    }
    // The corpus is not vacuous: most queries find something.
    assert.ok(nonEmpty > qs.length / 2, `${nonEmpty} of ${qs.length} queries found something`);
  }
});

test('relevance order: the same results, each once', T, async () => {
  const docs = await corpusOf(U.jiro);
  const qs = ['会議', '課', 'わくちん', 'rpa', '防災 訓練', '3', '京都', 'ｻｰﾊﾞｰ'];
  parseAll(qs);
  for (const q of qs) {
    const got = await searchAll(U.jiro, q, { order: 'relevance' });
    assertSameSet(new Set(got.map(keyOf)), expected(docs, q), `relevance ${q}`);
  }
});

test('filters: room, sender, kind, has=file, from/to', T, async () => {
  const docs = await corpusOf(U.ichiro);
  const ats = docs.map((d) => d.at).sort((a, b) => a - b);
  const from = String(ats[Math.floor(ats.length * 0.3)]);
  const to = String(ats[Math.floor(ats.length * 0.7)]);
  const filters = [
    { room: String(R.r1) }, { room: String(R.direct) }, { sender: String(U.jiro.id) },
    { sender: String(U.ichiro.id), room: String(R.r2) }, { kind: 'messages' }, { kind: 'notes' },
    { kind: 'files' }, { kind: 'all' }, { has: 'file' }, { has: 'file', kind: 'messages' }, { from }, { to },
    { from, to }, { from, to, kind: 'messages', sender: String(U.saburo.id) },
  ];
  const qs = ['会議', '課', 'ワクチン', 'excel', '防災', '市', 'pdf', 'txt', '2025', MARK.newTitle];
  parseAll(qs);
  let nonEmpty = 0;
  for (const f of filters) {
    for (const q of qs) {
      const want = expected(docs, q, f);
      const got = await searchAll(U.ichiro, q, f);
      assertSameSet(new Set(got.map(keyOf)), want, `${q} with ${JSON.stringify(f)}`);
      if (want.size) nonEmpty += 1;
    }
  }
  assert.ok(nonEmpty > filters.length * 3, `filtered queries finding something: ${nonEmpty}`);
  // Each kind appears where it should.
  const kinds = new Set((await searchAll(U.ichiro, '課', { limit: 100 })).map((x) => x.kind));
  assert.ok(kinds.has('message'), 'messages found');
});

test('authorization: non-member, another municipality, a room left, deleted and pre-edit text', T, async () => {
  const { ichiro, jiro, saburo, goro } = U;
  const hits = async (c, q, params = {}) => (await searchAll(c, q, params)).map(keyOf);
  // Members find the room's text; a non-member never does, nor may name the room.
  assert.equal((await hits(jiro, MARK.secret)).length, 2);
  assert.equal((await hits(saburo, MARK.secret)).length, 2);
  assert.deepEqual(await hits(ichiro, MARK.secret), []);
  assertError(await ichiro.get(`/api/search?q=${encodeURIComponent('会議')}&room=${R.r3}`), 404, 'not_found', 'a room not joined');
  assertError(await ichiro.get(`/api/search?q=${encodeURIComponent('会議')}&room=${R.other}`), 404, 'not_found', "another municipality's room");
  assertError(await ichiro.get(`/api/search?q=${encodeURIComponent('会議')}&room=999999`), 404, 'not_found', 'no such room');
  // Another municipality: never, whoever searches.
  for (const c of [ichiro, jiro, saburo]) {
    assert.deepEqual(await hits(c, MARK.other), [], 'another municipality');
    for (const x of await searchAll(c, '会議')) assert.notEqual(x.room.id, R.other);
  }
  assert.equal((await hits(goro, MARK.other)).length, 20);
  const goroRooms = new Set((await goro.ok('GET', '/api/rooms')).rooms.map((r) => r.id));
  for (const x of await searchAll(goro, '会議')) assert.ok(goroRooms.has(x.room.id), 'goro finds only his own');
  // Deleted messages and their files, old versions of edits and notes: nobody.
  for (const c of [ichiro, jiro, saburo]) {
    for (const q of [MARK.deleted, MARK.deletedFile, MARK.preEdit, MARK.oldTitle, MARK.goneNote]) {
      assert.deepEqual(await hits(c, q), [], `${q} found by ${c.loginId}`);
    }
  }
  assert.ok((await hits(jiro, MARK.postEdit)).length > 0, 'edited text found');
  assert.equal((await hits(jiro, MARK.newTitle, { kind: 'notes' })).length, 3, 'saved notes found by their new titles');
  // A room left: found while a member, not after.
  assert.equal((await hits(ichiro, MARK.left)).length, 1);
  assertStatus(await ichiro.del(`/api/rooms/${R.left}/members/${ichiro.id}`), 200, 'leave');
  assert.deepEqual(await hits(ichiro, MARK.left), [], 'a room left');
  assertError(await ichiro.get(`/api/search?q=x&room=${R.left}`), 404, 'not_found', 'a room left, named');
  assert.equal((await hits(jiro, MARK.left)).length, 1, 'the members still find it');
  // Not logged in.
  const anon = await fetch(`${srv.base}/api/search?q=${encodeURIComponent('会議')}`);
  assert.equal(anon.status, 401);
});

test('invalid searches: 400 naming the rule', T, async () => {
  const { ichiro } = U;
  const bad = [
    'q=', '', `q=${encodeURIComponent('-会議')}`, `q=${encodeURIComponent('a b c d e f g h i j k')}`,
    `q=${encodeURIComponent('会'.repeat(201))}`, `q=${encodeURIComponent('👍')}`,
    'q=x&limit=0', 'q=x&limit=101', 'q=x&limit=abc', 'q=x&kind=photos', 'q=x&order=oldest',
    'q=x&has=photo', 'q=x&room=abc', 'q=x&sender=-1', 'q=x&from=yesterday',
  ];
  for (const qs of bad) {
    const e = assertError(await ichiro.get(`/api/search?${qs}`), 400, 'invalid_argument', qs);
    assert.ok(e.message.length > 0);
  }
  // A cursor that is not one.
  const r = await ichiro.get(`/api/search?q=${encodeURIComponent('会議')}&after=${encodeURIComponent('not a cursor')}`);
  assertError(r, 400, 'invalid_argument', 'a bad cursor');
});

test('pages do not shift while new messages arrive', T, async () => {
  const { jiro } = U;
  const q = '会議';
  parseAll([q]);
  const want = expected(await corpusOf(jiro), q);
  assert.ok(want.size > 10, `${want.size} documents with ${q}`);
  const seen = new Set();
  let after = null;
  for (let page = 0; page < 1000; page += 1) {
    const r = await jiro.ok('GET', `/api/search?q=${encodeURIComponent(q)}&limit=4${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    for (const x of r.results) {
      assert.ok(!seen.has(keyOf(x)), `${keyOf(x)} twice`);
      seen.add(keyOf(x));
    }
    // Newer matches arrive between pages: they are before the first page, never in a later one.
    await post(jiro, R.r1, `新着の会議 ${page}`);
    if (r.next === null) break;
    after = r.next;
  }
  assertSameSet(seen, want, 'pages read while posting');
});

test('around=: a message in its context, paging on from there', T, async () => {
  const { ichiro, jiro, shiro } = U;
  const room = (await createGroup(ichiro, '前後の確認', [jiro.id])).id;
  // seq 1 is the room_created system message; 2..41 are ours.
  for (let i = 0; i < 40; i += 1) await post(ichiro, room, `本文 ${i + 2}`);
  const get = async (qs) => (await jiro.ok('GET', `/api/rooms/${room}/messages?${qs}`));
  let r = await get('around=20&limit=10');
  assert.deepEqual(r.messages.map((m) => m.seq), [15, 16, 17, 18, 19, 20, 21, 22, 23, 24]);
  assert.deepEqual([r.has_more_before, r.has_more_after], [true, true]);
  assert.equal(r.has_more, undefined);
  r = await get('around=20&limit=9');
  assert.deepEqual(r.messages.map((m) => m.seq), [16, 17, 18, 19, 20, 21, 22, 23, 24]);
  r = await get('around=3&limit=10');
  assert.deepEqual(r.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([r.has_more_before, r.has_more_after], [false, true]);
  r = await get('around=40&limit=10');
  assert.deepEqual(r.messages.map((m) => m.seq), [35, 36, 37, 38, 39, 40, 41]);
  assert.deepEqual([r.has_more_before, r.has_more_after], [true, false]);
  r = await get('around=1000&limit=4');
  assert.deepEqual(r.messages.map((m) => m.seq), [40, 41]);
  assert.deepEqual([r.has_more_before, r.has_more_after], [true, false]);
  r = await get('around=20');  // limit 50: the whole room
  assert.equal(r.messages.length, 41);
  assert.deepEqual([r.has_more_before, r.has_more_after], [false, false]);
  assert.equal(r.messages.find((m) => m.seq === 21).body, '本文 21');
  // Paging on from both ends, as the history pages do.
  r = await get('around=20&limit=10');
  const older = await get(`before=${r.messages[0].seq}&limit=5`);
  assert.deepEqual(older.messages.map((m) => m.seq), [10, 11, 12, 13, 14]);
  const newer = await get(`after=${r.messages.at(-1).seq}&limit=5`);
  assert.deepEqual(newer.messages.map((m) => m.seq), [25, 26, 27, 28, 29]);
  // A search result opened in its context.
  const hit = (await jiro.ok('GET', `/api/search?q=${encodeURIComponent('本文 30')}&room=${room}`)).results;
  assert.deepEqual(hit.map((x) => x.seq), [30]);
  assert.ok((await get(`around=${hit[0].seq}&limit=6`)).messages.some((m) => m.seq === 30));
  // Refusals.
  assertError(await jiro.get(`/api/rooms/${room}/messages?around=20&before=30`), 400, 'invalid_argument');
  assertError(await jiro.get(`/api/rooms/${room}/messages?around=20&after=3`), 400, 'invalid_argument');
  assertError(await jiro.get(`/api/rooms/${room}/messages?around=x`), 400, 'invalid_argument');
  assertError(await jiro.get(`/api/rooms/${room}/messages?around=20&limit=201`), 400, 'invalid_argument');
  assertError(await shiro.get(`/api/rooms/${room}/messages?around=20`), 404, 'not_found', 'a non-member');
});

test('tonari admin reindex rebuilds online: same results, posts meanwhile found', T, async () => {
  const { ichiro, jiro } = U;
  // Posts go on while the index is rebuilt.
  let posting = true;
  const during = [];
  const poster = (async () => {
    for (let i = 0; posting && i < 200; i += 1) during.push((await post(jiro, R.r2, `再索引中の投稿 ${i} 会議`)).seq);
  })();
  const r = await runTonari(['admin', 'reindex', '--data', srv.dataDir, '--batch', '50'], { timeoutMs: 120000 });
  posting = false;
  reindexed = true;
  await poster;
  assert.equal(r.code, 0, `reindex: ${r.stderr}`);
  const progress = [...r.stderr.matchAll(/search reindex: (\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(progress.length >= 1, `progress on stderr: ${r.stderr}`);
  const [done, total] = progress.at(-1);
  assert.equal(done, total, 'the last progress line is the whole');
  assert.match(r.stdout, /reindexed every municipality: \d+ search documents/);
  assert.ok(during.length > 0);
  const fresh = await searchAll(jiro, '再索引中の投稿', { limit: 100 });
  assert.equal(fresh.length, during.length, 'every message posted during the rebuild is found');
  // The whole oracle again, after the rebuild: nothing lost, nothing gone comes back.
  const qs = queries().filter((q) => !parsedQuery(q).error).slice(0, 60);
  qs.push(MARK.deleted, MARK.deletedFile, MARK.preEdit, MARK.oldTitle, MARK.goneNote, MARK.secret);
  parseAll(qs);
  for (const c of [ichiro, jiro]) {
    const docs = await corpusOf(c);
    for (const q of qs) assertSameSet(new Set((await searchAll(c, q)).map(keyOf)), expected(docs, q), `after reindex: ${q}`);
  }
  // One municipality; an unknown one.
  const one = await runTonari(['admin', 'reindex', '--data', srv.dataDir, '--tenant', TENANT]);
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, new RegExp(`reindexed ${TENANT}: \\d+ search documents`));
  const none = await runTonari(['admin', 'reindex', '--data', srv.dataDir, '--tenant', '000000']);
  assert.equal(none.code, 2, none.stderr);
  assert.deepEqual((await searchAll(U.goro, MARK.other)).length, 20, 'the other municipality untouched');
});

test('the search rate: 429 with retry_after_ms past the burst', T, async () => {
  const s = await demoServerWithLimits({ search_burst: 3, searches_per_second: 0.01 });
  const tanaka = await login(s, 'tanaka');
  const sato = await login(s, 'sato');
  // A refused query costs no token.
  for (let i = 0; i < 5; i += 1) assertError(await tanaka.get('/api/search?q=-x'), 400, 'invalid_argument');
  for (let i = 0; i < 3; i += 1) assertStatus(await tanaka.get('/api/search?q=%E4%BC%9A%E8%AD%B0'), 200);
  const r = await tanaka.get('/api/search?q=%E4%BC%9A%E8%AD%B0');
  const e = assertError(r, 429, 'rate_limited');
  assert.ok(e.retry_after_ms > 0);
  assert.ok(Number(r.headers.get('retry-after')) >= 1);
  // One user's limit is theirs alone.
  assertStatus(await sato.get('/api/search?q=%E4%BC%9A%E8%AD%B0'), 200);
  await s.stop();
});

test('[search] index = false: searches answer 503, posting goes on', T, async () => {
  const s = await demoServer({ extraArgs: ['--config', writeToml('[search]\nindex = false\n')] });
  const tanaka = await login(s, 'tanaka');
  const room = (await tanaka.ok('GET', '/api/rooms')).rooms[0].id;
  await post(tanaka, room, '索引なしの会議');
  const e = assertError(await tanaka.get('/api/search?q=%E4%BC%9A%E8%AD%B0'), 503, 'unavailable');
  assert.match(e.message, /search is off/);
  await s.stop();
});

