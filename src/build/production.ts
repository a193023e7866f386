// The production build (`npm run build`): tsc compiles src/ and migrations/ into the output folder (the
// migrations knex loads by name, and the `keyturn/client` modules with their type declarations), then
// esbuild bundles the server and the CLI over tsc's entry files, so that a start reads one file instead of
// resolving and loading more than a thousand modules.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../paths.ts';

const { values } = parseArgs({ options: { 'out-dir': { type: 'string', default: 'dist' } } });
const outDir = resolve(projectRoot, values['out-dir'] as string);

/** The bundled entry points, each replacing the file tsc compiled it to. */
const entryPoints = ['src/main.ts', 'src/cli/main.ts'];

/**
 * Left out of the bundles and loaded from node_modules when first used: native drivers (better-sqlite3,
 * the optional pg-native), the password-strength dictionaries (megabytes, imported on the first password
 * check), and the drivers of the engines knex supports but Keyturn never opens.
 */
const external = [
  'better-sqlite3',
  'pg-native',
  '@zxcvbn-ts/*',
  'mysql',
  'mysql2',
  'mariadb/callback',
  'oracledb',
  'tedious',
  'sqlite3',
  'pg-query-stream',
];

/**
 * Gives each of Keyturn's modules the import.meta.url of the file tsc compiles it to, so what a module finds
 * relative to itself (the compiled migrations, node_modules) is found as in the unbundled build.
 */
function importMetaUrlOfCompiledFile(bundle: string): Plugin {
  const sources = join(projectRoot, 'src') + '/';
  return {
    name: 'import-meta-url-of-compiled-file',
    setup(plugin) {
      plugin.onLoad({ filter: /\.ts$/ }, (args) => {
        if (!args.path.startsWith(sources)) return undefined;
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return { contents: source, loader: 'ts' };
        const compiled = join(outDir, relative(projectRoot, args.path)).replace(/\.ts$/, '.js');
        const fromBundle = `./${relative(dirname(bundle), compiled)}`;
        return {
          contents: source.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

async function bundle(entryPoint: string): Promise<void> {
  const outfile = join(outDir, entryPoint.replace(/\.ts$/, '.js'));
  await build({
    entryPoints: [join(projectRoot, entryPoint)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    // Whitespace and syntax only: names stay, so stack traces still name their functions (and
    // `node --enable-source-maps` maps their positions back to src/ through the map written beside).
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: true,
    // The CommonJS packages inside the bundle call require() for Node's modules and the externals (the
    // import's alias is one no bundled module declares).
    banner: {
      js: "import { createRequire as createRequireInBundle } from 'node:module'; const require = createRequireInBundle(import.meta.url);",
    },
    plugins: [importMetaUrlOfCompiledFile(outfile)],
    logLevel: 'warning',
  });
}

rmSync(outDir, { recursive: true, force: true });
execFileSync(
  process.execPath,
  [
    join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
    '-p',
    'tsconfig.build.json',
    '--outDir',
    outDir,
  ],
  { cwd: projectRoot, stdio: 'inherit' },
);
await Promise.all(entryPoints.map(bundle));
