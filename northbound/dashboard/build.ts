// Bundles the web UI (northbound/dashboard/web) with esbuild into dist/dashboard: assets named by content hash
// (cached for a year by static.ts) and an index.html that names them (never cached). Run by `npm run build`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { build } from 'esbuild';
import { WEB_ROOT } from './static';

const SOURCE = join(__dirname, '..', '..', '..', 'northbound', 'dashboard', 'web');

export async function buildDashboard(outdir = WEB_ROOT): Promise<{ js: string; css: string }> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(SOURCE, 'main.ts') },
    bundle: true,
    minify: true,
    sourcemap: 'linked',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir,
    entryNames: 'assets/[name]-[hash]',
    assetNames: 'assets/[name]-[hash]',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((p) => relative(outdir, p));
  const js = outputs.find((p) => p.endsWith('.js'));
  const css = outputs.find((p) => p.endsWith('.css'));
  if (!js || !css) throw new Error(`esbuild wrote no js or css: ${outputs.join(', ')}`);
  const html = readFileSync(join(SOURCE, 'index.html'), 'utf8')
    .replace('%CSS%', `/dashboard/${css}`)
    .replace('%JS%', `/dashboard/${js}`);
  writeFileSync(join(outdir, 'index.html'), html);
  return { js: basename(js), css: basename(css) };
}

if (require.main === module) {
  buildDashboard().then(
    (r) => process.stdout.write(`dashboard: ${r.js} ${r.css}\n`),
    (err: unknown) => {
      process.stderr.write(`dashboard build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
