#!/usr/bin/env node
// Builds the self-contained CLI that a gateway serves at /setup/ccag.tgz (run by
// `npm run build`, after tsc): dist/cli/main.js and its dependencies bundled by esbuild into
// one ESM file, packed as an npm-style tarball so the setup scripts install ccag with no
// registry access.
//
//   package/package.json   name ccag, this version, type module, bin ccag
//   package/bin/ccag       launcher
//   package/dist/ccag.mjs  the bundle
//
// Left out: the server side (src/cli/server-side.ts is swapped for src/cli/no-server.ts, so
// `ccag serve` says to install the npm package) and the native keychain addon
// (@napi-rs/keyring stays an import that fails, and credentials fall back to a 0600 file).
// The tarball is byte-for-byte reproducible: fixed order, modes, owners and times.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const out = join(dist, 'setup', 'ccag.tgz');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/**
 * The bundle keeps the layout the compiled files would have under package/dist/, for the
 * modules that find files relative to themselves (version.ts reads ../../package.json,
 * connect.ts points Claude Code's apiKeyHelper at ../../../bin/ccag): each one's
 * import.meta.url becomes the URL it would have there.
 */
const keepLayout = {
  name: 'ccag-cli-bundle',
  setup(b) {
    b.onResolve({ filter: /\/server-side\.js$/ }, (args) => ({
      path: join(args.resolveDir, args.path).replace(/server-side\.js$/, 'no-server.js'),
    }));
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(dist + sep)) return undefined;
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return { contents: source, loader: 'js' };
      const where = relative(dist, args.path).split(sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(where)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

const result = await build({
  entryPoints: [join(dist, 'cli', 'entry.js')],
  bundle: true,
  write: false,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: true,
  legalComments: 'eof',
  external: ['@napi-rs/keyring'],
  // CommonJS dependencies call require(): give the ES module one.
  banner: { js: "import { createRequire as __ccagCreateRequire } from 'node:module'; const require = __ccagCreateRequire(import.meta.url);" },
  outfile: 'ccag.mjs',
  logLevel: 'warning',
  plugins: [keepLayout],
});
const bundle = result.outputFiles[0].contents;

const manifest = {
  name: 'ccag',
  version: pkg.version,
  description: `${pkg.description} (the CLI only, as installed from a gateway)`,
  type: 'module',
  license: pkg.license,
  bin: { ccag: 'bin/ccag' },
  engines: pkg.engines,
};
const files = [
  { name: 'package/package.json', mode: 0o644, data: Buffer.from(JSON.stringify(manifest, null, 2) + '\n') },
  { name: 'package/bin/ccag', mode: 0o755, data: Buffer.from("#!/usr/bin/env node\nimport '../dist/ccag.mjs';\n") },
  { name: 'package/dist/ccag.mjs', mode: 0o644, data: Buffer.from(bundle) },
];

mkdirSync(dirname(out), { recursive: true });
const tgz = gzipSync(tar(files), { level: 9 });
writeFileSync(out, tgz);
console.log(`${relative(root, out)}: ccag ${pkg.version}, bundle ${kib(bundle.length)}, tarball ${kib(tgz.length)}`);

function kib(n) {
  return `${(n / 1024).toFixed(0)} KiB`;
}

/** A ustar archive of regular files (names under 100 bytes), owned by root, dated like npm's. */
function tar(entries) {
  const mtime = 499162500; // 1985-10-26T08:15:00Z, the date npm gives every file it packs
  const blocks = [];
  for (const { name, mode, data } of entries) {
    const header = Buffer.alloc(512);
    const field = (offset, length, value) => header.write(value, offset, length, 'utf8');
    const octal = (offset, length, value) => field(offset, length, value.toString(8).padStart(length - 1, '0') + '\0');
    if (Buffer.byteLength(name) >= 100) throw new Error(`tar: name too long: ${name}`);
    field(0, 100, name);
    octal(100, 8, mode);
    octal(108, 8, 0);
    octal(116, 8, 0);
    octal(124, 12, data.length);
    octal(136, 12, mtime);
    field(148, 8, ' '.repeat(8)); // counted as spaces while summing
    field(156, 1, '0');
    field(257, 8, 'ustar\u000000');
    field(265, 32, 'root');
    field(297, 32, 'root');
    let sum = 0;
    for (const byte of header) sum += byte;
    field(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
    blocks.push(header, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
