// Files found by their content through GET /api/search (issue 22): the sanitizing job
// extracts the text of the file it delivers (tonari-sanitize: poppler for PDF, the XML of
// Word, Excel and PowerPoint, text files) and the store indexes it with the file's name.
// A sanitized Internet upload is found by the text of its sanitized copy, an LGWAN upload
// the municipality does not have checked by its original's, a withheld file by its name
// only; non-members find nothing. Needs the worker, the job runner, the search service
// and a store that indexes FileOutcome::text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, installWatchdog, TONARI_BIN } from './lib/server.mjs';
import { login, cid } from './lib/client.mjs';
import { startZoned, uploadFile } from './lib/files.mjs';

installWatchdog(240000);
after(cleanupAll);

const WORKER = join(TONARI_BIN, '..', 'tonari-sanitize');
const skip = existsSync(WORKER) ? false : `${WORKER} is not built`;
// Japanese documents made by tests/unit/sanitize/fixtures/make_text_fixtures.py.
const FIXTURES = fileURLToPath(new URL('../unit/sanitize/fixtures/', import.meta.url));
const fixture = (name) => readFileSync(join(FIXTURES, name));

let srv, internet, tanaka, satoNet, suzuki, yamada, room, ws;

before(async () => {
  if (skip) return;
  ({ srv, internet } = await startZoned({ toml: '[files]\nworkers = 2\njob_seconds = 30\n' }));
  [tanaka, suzuki, yamada] = await Promise.all(['tanaka', 'suzuki', 'yamada'].map((l) => login(srv, l)));
  const sato = await login(srv, 'sato');
  satoNet = await login(internet, 'sato');
  room = (await tanaka.ok('POST', '/api/rooms', { name: '防災訓練の準備', members: [sato.id] }, 201)).room.id;
  ws = await tanaka.ws();
});

// Uploads `bytes` as `name` through `client`, attaches it to a message and waits for the
// end of its job; returns the file as the last event showed it.
async function shared(client, name, bytes) {
  const { file } = await uploadFile(client, room, name, bytes);
  await client.ok('POST', `/api/rooms/${room}/messages`, { client_id: cid('s'), body: '資料です', files: [file.id] }, 201);
  const settled = (x) => (x.type === 'file.updated' ? [x.file]
    : x.type === 'message.created' ? (x.message.files || []) : [])
    .find((g) => g.id === file.id && g.state !== 'processing');
  const f = await ws.next((x) => Boolean(settled(x)), 30000, `file ${file.id} checked`);
  return settled(f);
}

// The files `client` finds for `q`.
async function findFiles(client, q) {
  const r = await client.get(`/api/search?kind=files&q=${encodeURIComponent(q)}`);
  assert.equal(r.status, 200, `${q}: ${r.text}`);
  for (const hit of r.json.results) assert.equal(hit.kind, 'file', JSON.stringify(hit));
  return r.json.results;
}

const snippetText = (hit) => hit.snippet.map((p) => p.text).join('');
const hits = (hit) => hit.snippet.filter((p) => p.hit).map((p) => p.text);

test('a sanitized PDF and a Word file are found by words of their text', { skip }, async () => {
  const pdf = await shared(satoNet, 'お知らせ.pdf', fixture('notice-ja.pdf'));
  assert.equal(pdf.state, 'ready', JSON.stringify(pdf));
  const docx = await shared(satoNet, '実施要領.docx', fixture('minutes-ja.docx'));
  assert.equal(docx.state, 'ready', JSON.stringify(docx));

  let found = await findFiles(tanaka, '例規審査会');
  assert.deepEqual(found.map((h) => h.file.id), [pdf.id]);
  assert.equal(found[0].room.id, room);
  assert.deepEqual(hits(found[0]), ['例規審査会']);
  assert.match(snippetText(found[0]), /例規審査会は１０月１日に第2庁舎で開きます/);

  // Two words, one from the body and one from the header of the Word file; hiragana finds
  // katakana in the PDF; the field instruction and the deleted text are not its text.
  found = await findFiles(tanaka, '避難経路 危機管理課');
  assert.deepEqual(found.map((h) => h.file.id), [docx.id]);
  assert.deepEqual((await findFiles(tanaka, 'わくちん')).map((h) => h.file.id), [pdf.id]);
  assert.deepEqual(await findFiles(tanaka, 'HYPERLINK'), []);
  assert.deepEqual(await findFiles(tanaka, '削除された文言'), []);
  // Both, newest first, for a word in both.
  assert.deepEqual((await findFiles(tanaka, '第2庁舎')).map((h) => h.file.id), [docx.id, pdf.id]);
  // Not a member of the room: nothing.
  assert.deepEqual(await findFiles(suzuki, '例規審査会'), []);
});

test('an unchecked LGWAN upload is found by its own text, a withheld file by its name only', { skip }, async () => {
  // Office rasterizing has no converter: an Internet upload is withheld; an LGWAN upload,
  // which this municipality does not have checked, is delivered as it is.
  await yamada.ok('PUT', '/api/admin/file-policy', { office: 'rasterize', check_lgwan_uploads: false });
  try {
    const withheld = await shared(satoNet, '歳出予算書.xlsx', fixture('budget-ja.xlsx'));
    assert.equal(withheld.state, 'withheld', JSON.stringify(withheld));
    const lgwan = await shared(tanaka, '名簿と予算.xlsx', fixture('budget-ja.xlsx'));
    assert.equal(lgwan.state, 'ready', JSON.stringify(lgwan));
    const slides = await shared(tanaka, '案内.pptx', fixture('slides-ja.pptx'));
    assert.equal(slides.state, 'ready', JSON.stringify(slides));

    assert.deepEqual((await findFiles(tanaka, 'ＲＰＡ導入経費')).map((h) => h.file.id), [lgwan.id]);
    assert.deepEqual((await findFiles(tanaka, '佐藤 花子')).map((h) => h.file.id), [lgwan.id]);
    const byName = await findFiles(tanaka, '歳出予算書');
    assert.deepEqual(byName.map((h) => h.file.id), [withheld.id]);
    assert.deepEqual(byName[0].title.filter((p) => p.hit).map((p) => p.text), ['歳出予算書']);
    assert.deepEqual((await findFiles(tanaka, '健康推進課')).map((h) => h.file.id), [slides.id]);
  } finally {
    await yamada.ok('PUT', '/api/admin/file-policy', { office: 'rebuild' });
  }
});
