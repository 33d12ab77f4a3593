// The initial load (index.html + its JS and CSS) stays small: LGWAN links are slow.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DIST, skipReason } from './lib/harness.mjs';

const BUDGET = 44 * 1024; // docs/performance.md "The web client's first load"

test('initial load is under 44 KiB gzipped', { skip: skipReason() }, () => {
  assert.ok(existsSync(join(DIST, 'index.html')), 'web/dist is built');
  const html = readFileSync(join(DIST, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  assert.ok(refs.some((r) => r.endsWith('.js')) && refs.some((r) => r.endsWith('.css')));
  assert.ok(!/<script>[^<]/.test(html), 'no inline scripts (CSP)');
  let gz = 0;
  for (const f of ['index.html', ...refs]) gz += gzipSync(readFileSync(join(DIST, f)), { level: 9 }).length;
  assert.ok(gz < BUDGET, `initial load is ${gz} B gzipped, budget ${BUDGET} B`);
});

test('the PWA manifest and its icons are served with the client', { skip: skipReason() }, () => {
  const m = JSON.parse(readFileSync(join(DIST, 'manifest.webmanifest'), 'utf8'));
  assert.equal(m.display, 'standalone');
  assert.equal(m.start_url, '/');
  for (const size of ['192x192', '512x512']) {
    const icon = m.icons.find((i) => i.sizes === size && i.type === 'image/png');
    assert.ok(icon, 'png icon ' + size);
    const png = readFileSync(join(DIST, icon.src));
    assert.equal(png.subarray(1, 4).toString(), 'PNG');
    assert.equal(png.readUInt32BE(16) + 'x' + png.readUInt32BE(20), size);
  }
});
