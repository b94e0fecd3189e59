#!/usr/bin/env node
// Builds the browser portal the gateway serves at /portal (run by `npm run build`):
// src/portal/main.ts and its CSS bundled by esbuild into dist/portal/assets with
// content-hashed names (cached for a year by browsers), and dist/portal/index.html that
// loads them (revalidated on every visit). No inline script: the page runs under a strict CSP.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'portal');

rmSync(out, { recursive: true, force: true });
const result = await build({
  entryPoints: { portal: join(root, 'src', 'portal', 'main.ts') },
  bundle: true,
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  format: 'esm',
  target: ['chrome111', 'firefox111', 'safari16.4'],
  minify: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});

const [script, meta] = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint);
const url = (file) => `/portal/assets/${basename(file)}`;
const index = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ccag</title>
<link rel="icon" href="data:,">
${meta.cssBundle ? `<link rel="stylesheet" href="${url(meta.cssBundle)}">\n` : ''}<script type="module" src="${url(script)}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The ccag portal needs JavaScript. The <code>ccag</code> CLI does everything the portal does.</noscript>
</body>
</html>
`;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'index.html'), index);
const kib = (file) => `${(result.metafile.outputs[file].bytes / 1024).toFixed(0)} KiB`;
console.log(`${relative(root, out)}: ${basename(script)} ${kib(script)}${meta.cssBundle ? `, ${basename(meta.cssBundle)} ${kib(meta.cssBundle)}` : ''}`);
