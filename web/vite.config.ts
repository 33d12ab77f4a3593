/// <reference types="vitest" />
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * Emits sw.js (from sw/sw.js) with this build's file list and a version hashed from its files:
 * a new build is a new worker with a new cache. public/ is listed with its folders (stamps/) and
 * hashed by content, so a redrawn stamp or icon is a new build too.
 */
function serviceWorker(): Plugin {
  return {
    name: 'tonari-sw',
    apply: 'build',
    // After the bundle is written: index.html is part of it only by then.
    writeBundle(options, bundle) {
      const built = Object.keys(bundle).filter((f) => f !== 'sw.js');
      const pub = new URL('./public/', import.meta.url);
      const copied = readdirSync(pub, { recursive: true, encoding: 'utf8' })
        .filter((f) => statSync(new URL(f, pub)).isFile())
        .sort();
      const files = [...built, ...copied].sort().map((f) => '/' + f);
      const hash = createHash('sha256').update(files.join('\n'));
      for (const f of built) {
        const out = bundle[f];
        hash.update(out.type === 'chunk' ? out.code : out.source);
      }
      for (const f of copied) hash.update(readFileSync(new URL(f, pub)));
      const version = hash.digest('hex').slice(0, 12);
      const source = readFileSync(new URL('./sw/sw.js', import.meta.url), 'utf8')
        .replace('__VERSION__', version)
        .replace('__FILES__', JSON.stringify(files));
      writeFileSync(join(options.dir!, 'sw.js'), source);
    },
  };
}

// Preact without a plugin: esbuild compiles JSX with Preact's automatic runtime.
export default defineConfig({
  plugins: [serviceWorker()],
  esbuild: {
    jsx: 'automatic',
    jsxImportSource: 'preact',
  },
  build: {
    target: 'es2020',
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Terser's two passes ship about 2.5 % fewer gzipped bytes than esbuild's minifier
    // (the first load, docs/performance.md); the build takes a few seconds longer.
    minify: 'terser',
    terserOptions: { compress: { passes: 2 } },
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev`: proxy the API to a running tonari (TONARI_URL, default :8080).
    proxy: {
      '/api': { target: process.env.TONARI_URL || 'http://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
