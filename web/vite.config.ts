/// <reference types="vitest" />
import { defineConfig } from 'vite';

// Preact without a plugin: esbuild compiles JSX with Preact's automatic runtime.
export default defineConfig({
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
