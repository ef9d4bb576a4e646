// Writes a Brotli (.br) and a gzip (.gz) copy beside every text file of the built app, at the
// highest levels (done once at build time, so crema sends them without compressing per
// request), and prints what the first load costs on the wire.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const out = process.argv[2] || process.env.CREMA_APP_OUT || 'dist';
const compressible = /\.(html|js|mjs|css|svg|json|webmanifest|txt|map)$/;

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const sizes = new Map();
for (const file of walk(out)) {
  if (!compressible.test(file)) continue;
  const raw = readFileSync(file);
  const br = brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
    },
  });
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(file + '.br', br);
  writeFileSync(file + '.gz', gz);
  sizes.set(relative(out, file), { raw: raw.length, br: br.length, gz: gz.length });
}

// The first load: index.html and the scripts and styles it names (the entry and what it
// preloads). Screens loaded later (the dashboard and its charts) are not part of it.
const html = readFileSync(join(out, 'index.html'), 'utf8');
const named = [...html.matchAll(/(?:src|href)="\/app\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
let br = 0;
let gz = 0;
for (const name of named) {
  const s = sizes.get(name);
  if (!s) throw new Error(`index.html names ${name}, which the build did not write`);
  br += s.br;
  gz += s.gz;
}
const kb = (n) => (n / 1024).toFixed(1);
console.log(`first load: ${named.length} files, ${kb(br)} KB Brotli, ${kb(gz)} KB gzip (JS + CSS)`);
// SPEC §14: under 300 KB of JavaScript and CSS on the wire at first load; the build fails
// past it, so a heavy dependency cannot slip in unnoticed.
if (gz >= 300 * 1024) {
  console.error('compress.mjs: the first load is over the 300 KB budget');
  process.exit(1);
}
writeFileSync(
  process.argv[3] || join(out, '..', 'app-size.json'),
  JSON.stringify({ first_load: named, first_load_br: br, first_load_gzip: gz, files: Object.fromEntries(sizes) }, null, 1) + '\n',
);
