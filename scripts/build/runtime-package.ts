/**
 * dist/package.json: what must be installed beside the compiled code (`npm install --omit=dev` in dist),
 * the npm packages the bundles import, at the versions installed here, the ones the tests ran against.
 * A bundle importing a package that neither workspace declares stops the build: it would be missing from
 * an image as surely as from a fresh checkout.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './layout';

interface PackageJson {
  name: string;
  version: string;
  dependencies?: Record<string, string>;
  allowScripts?: Record<string, boolean>;
}

function readJson(file: string): PackageJson {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
}

export function runtimePackage(imported: Set<string>): PackageJson & Record<string, unknown> {
  const root = readJson(path.join(ROOT, 'package.json'));
  const declared = new Set(['common', 'server', 'gateway'].flatMap((w) => Object.keys(readJson(path.join(ROOT, w, 'package.json')).dependencies ?? {})));
  const undeclared = [...imported].filter((name) => !declared.has(name));
  if (undeclared.length > 0) throw new Error(`imported but not in common/, server/ or gateway/ package.json dependencies: ${undeclared.join(', ')}`);
  const dependencies = Object.fromEntries(
    [...imported].sort().map((name) => [name, readJson(path.join(ROOT, 'node_modules', name, 'package.json')).version]),
  );
  const version = readJson(path.join(ROOT, 'server', 'package.json')).version;
  // npm runs install scripts only for the packages listed there (native addons, dependencies' too).
  return { name: 'autolabs-dist', version, private: true, type: 'module', engines: { node: '>=20' }, dependencies, allowScripts: root.allowScripts };
}
