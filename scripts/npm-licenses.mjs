#!/usr/bin/env node
// Licence check of every npm package in the given lockfiles (default: the root, ui/ and tests/e2e/):
// each package's SPDX expression, as npm recorded it in the lockfile (or, where it did not, in the
// installed package.json), must be satisfied by the licences allowed below. Offline: no registry.
// Usage: node scripts/npm-licenses.mjs [package-lock.json ...]
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Allowed, by name. An `A OR B` package passes when one side does; `A AND B` needs both.
const ALLOWED = new Set([
  'MIT', 'MIT-0', 'ISC', '0BSD', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'BlueOak-1.0.0', 'CC0-1.0',
  'Zlib',
  // File-level copyleft: lightningcss (Vite's CSS tooling, build time only); shipped unmodified if at all.
  'MPL-2.0',
  // caniuse-lite: browser-support data, under the test tooling only.
  'CC-BY-4.0',
]);

// Packages whose package.json declares no licence, with the licence their own files state.
const CLARIFIED = {
  'css-value@0.0.1': ['MIT', 'its Readme.md, section License (The MIT License, TJ Holowaychuk)'],
};

/** Whether the SPDX expression `expr` is satisfied by `allowed` (a set of licence names). */
export function satisfied(expr, allowed = ALLOWED) {
  const tokens = expr.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/);
  let i = 0;
  const atom = () => {
    const t = tokens[i++];
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')') throw new Error(`unbalanced parentheses in "${expr}"`);
      return v;
    }
    if (t === undefined || ['AND', 'OR', 'WITH', ')'].includes(t)) throw new Error(`bad SPDX expression "${expr}"`);
    let id = t.replace(/\+$/, '');
    if (tokens[i] === 'WITH') {
      id += ` WITH ${tokens[i + 1]}`;
      i += 2;
    }
    return allowed.has(id);
  };
  const and = () => {
    let v = atom();
    while (tokens[i] === 'AND') {
      i++;
      v = atom() && v;
    }
    return v;
  };
  const or = () => {
    let v = and();
    while (tokens[i] === 'OR') {
      i++;
      v = and() || v;
    }
    return v;
  };
  const v = or();
  if (i !== tokens.length) throw new Error(`bad SPDX expression "${expr}"`);
  return v;
}

function licenceOf(lockDir, path, entry) {
  const name = entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
  const id = `${name}@${entry.version}`;
  if (typeof entry.license === 'string') return [id, entry.license];
  const manifest = join(lockDir, path, 'package.json');
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    if (typeof pkg.license === 'string') return [id, pkg.license];
    if (typeof pkg.license?.type === 'string') return [id, pkg.license.type];
    if (Array.isArray(pkg.licenses)) return [id, pkg.licenses.map((l) => l.type ?? l).join(' OR ')];
  }
  if (CLARIFIED[id]) return [id, CLARIFIED[id][0]];
  return [id, null];
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) main();

function main() {
  const lockfiles = process.argv.length > 2
    ? process.argv.slice(2)
    : ['package-lock.json', 'ui/package-lock.json', 'tests/e2e/package-lock.json'].map((f) => join(root, f));
  let checked = 0;
  const problems = [];
  for (const file of lockfiles) {
    const lock = JSON.parse(readFileSync(file, 'utf8'));
    if (!lock.packages) throw new Error(`${file}: lockfileVersion 2 or 3 expected (npm 7+)`);
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.link) continue; // the project itself, workspace links
      const [id, licence] = licenceOf(dirname(file), path, entry);
      checked++;
      if (licence === null) problems.push(`${file}: ${id} declares no licence (add it to CLARIFIED after reading its files)`);
      else if (!satisfied(licence)) problems.push(`${file}: ${id} is ${licence}, not an allowed licence`);
    }
  }
  if (problems.length) {
    console.error(problems.join('\n'));
    console.log(`npm licences: ${checked} packages, ${problems.length} not allowed`);
    process.exit(1);
  }
  console.log(`npm licences: ${checked} packages in ${lockfiles.length} lockfiles, all allowed`);
}
