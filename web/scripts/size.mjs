// Prints the gzipped size of what the browser loads first: index.html and the JS and CSS it
// references (the manifest and icons come later and are cached).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const refs = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const files = ['index.html', ...refs];
let raw = 0;
let gz = 0;
const rows = [];
for (const f of files) {
  const buf = readFileSync(join(dist, f));
  const g = gzipSync(buf, { level: 9 }).length;
  raw += buf.length;
  gz += g;
  rows.push(`  ${f.padEnd(40)} ${String(buf.length).padStart(8)} B  ${String(g).padStart(7)} B gz`);
}
const all = readdirSync(join(dist, 'assets')).reduce((n, f) => n + statSync(join(dist, 'assets', f)).size, 0);
console.log('initial load (index.html + its JS and CSS):');
console.log(rows.join('\n'));
console.log(`  total ${(raw / 1024).toFixed(1)} KiB, gzipped ${(gz / 1024).toFixed(1)} KiB (all assets: ${(all / 1024).toFixed(1)} KiB raw)`);
const limit = 44 * 1024;
if (gz > limit) console.warn(`warning: initial load ${gz} B gz is over the budget of ${limit} B (e2e/size.test.mjs fails)`);
