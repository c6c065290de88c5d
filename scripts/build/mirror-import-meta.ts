/**
 * esbuild plugin: inside a bundle, `import.meta.url` would name the entry file for every module. This
 * rewrites `import.meta.url`, `.dirname` and `.filename` in our own sources to the location of the
 * module's compiled twin in dist (layout.ts), computed from the entry's own `import.meta.url` at run time,
 * so the output directory can be moved anywhere (an image, a temporary directory in a test).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Plugin } from 'esbuild';
import { ROOT, compiledPath } from './layout';

/**
 * `entry` is the source of the bundle being built, relative to `root`: the repository, or a copy of an
 * earlier commit's sources (the benchmark's baseline).
 */
export function mirrorImportMeta(entry: string, root: string = ROOT): Plugin {
  const entryDir = path.dirname(compiledPath(entry));
  return {
    name: 'mirror-import-meta',
    setup(build) {
      build.onLoad({ filter: /\.(ts|mts)$/ }, async (args) => {
        const source = path.relative(root, args.path);
        if (source.startsWith('..') || source.includes('node_modules')) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const file = path.relative(entryDir, compiledPath(source));
        const url = `new URL(${JSON.stringify(file)}, import.meta.url).href`;
        const dir = path.dirname(file);
        const dirname = dir === '.' ? 'import.meta.dirname' : `(import.meta.dirname + ${JSON.stringify(`/${dir}`)})`;
        const contents = text
          .replaceAll('import.meta.url', url)
          .replaceAll('import.meta.dirname', dirname)
          .replaceAll('import.meta.filename', `(import.meta.dirname + ${JSON.stringify(`/${file}`)})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}
