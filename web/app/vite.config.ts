// The staff app's build: Preact's JSX through esbuild (no framework plugin), served by crema
// under /app, hashed asset names in assets/ (crema caches those as immutable). The output
// directory is the CMake build's (CREMA_APP_OUT); the precompressed copies are made after
// the build by scripts/compress.mjs.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/app/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.CREMA_APP_OUT || 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    chunkSizeWarningLimit: 300,
  },
  server: {
    // `npm run dev` beside a running crema: the API and WebSocket go to it.
    proxy: {
      '/api': { target: process.env.CREMA_URL || 'http://127.0.0.1:8080' },
      '/ws': { target: process.env.CREMA_URL || 'http://127.0.0.1:8080', ws: true },
    },
  },
});
