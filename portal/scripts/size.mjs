// Gzipped JS a route loads: the entry, the route's chunk and every chunk they import statically.
// Usage: node scripts/size.mjs [src/pages/Refer.tsx] [budget-bytes]   (after `npm run build`)
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';

const dist = new URL('../dist/', import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, '.vite/manifest.json'), 'utf8'));
const page = process.argv[2] ?? 'src/pages/Refer.tsx';
const budget = Number(process.argv[3] ?? 20 * 1024);

const files = new Set();
const walk = (key) => {
  const m = manifest[key];
  if (!m || files.has(m.file)) return;
  files.add(m.file);
  for (const k of m.imports ?? []) walk(k);
};
walk('index.html');
if (!manifest[page]) throw new Error(`no chunk for ${page} in the manifest`);
walk(page);

let total = 0;
for (const f of files) {
  const n = gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  total += n;
  console.log(`${String(n).padStart(7)}  ${f}`);
}
console.log(`${String(total).padStart(7)}  total gzipped JS for ${page} (budget ${budget})`);
if (total > budget) {
  console.error('over budget');
  process.exit(1);
}
