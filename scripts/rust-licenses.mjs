#!/usr/bin/env node
// Licence and ban check of every Rust crate envdesk can build, on every platform it ships for: reads
// `cargo metadata --all-features` without a platform filter (a macOS or Windows build ships crates a
// Linux build never compiles, and their licences count too) and checks
//   - each crate's SPDX expression against the licences allowed below (`A OR B` passes when one side
//     does; the old `A/B` form of Cargo manifests reads as `A OR B`); our own crates are checked too;
//   - that no banned crate is in the graph (TLS is rustls: OpenSSL or native-tls creeping in would
//     change what we trust);
//   - that no manifest of ours asks for a `*` version of a registry crate.
// Crates in more than one version are counted, not refused (a Tauri tree has many).
// Offline once the crates are fetched (scripts/licenses.sh runs `cargo fetch` first).
//
// Why not cargo-deny: it did this job until December 2026, but CI installs its tools from source on a
// fresh machine, and cargo-deny (gix, reqwest, tame-index) took about four of CI's minutes to build for
// a check that is this file and the SPDX evaluator npm-licenses.mjs already had (docs/decisions.md).
// Usage: node scripts/rust-licenses.mjs [path/to/metadata.json]
import { execFileSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { satisfied } from './npm-licenses.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// Allowed, by name (docs/decisions.md, "allowed licences").
const ALLOWED = new Set([
  'MIT', 'Apache-2.0', 'Apache-2.0 WITH LLVM-exception', 'BSD-2-Clause', 'BSD-3-Clause', 'ISC', 'Zlib',
  'BSL-1.0', 'CC0-1.0', 'Unicode-3.0',
  // webpki-roots: Mozilla's root certificates as data.
  'CDLA-Permissive-2.0',
  // File-level copyleft (cssparser, selectors and dtoa-short under Tauri's HTML tooling; option-ext
  // under dirs): we ship them unmodified, their source stays on crates.io.
  'MPL-2.0',
]);

const BANNED = {
  openssl: 'TLS is rustls (reqwest\'s rustls-tls)',
  'openssl-sys': 'TLS is rustls (reqwest\'s rustls-tls)',
  'native-tls': 'TLS is rustls (reqwest\'s rustls-tls)',
};

/** The problems of one `cargo metadata` document, and what was counted. */
export function check(meta) {
  const packages = new Map(meta.packages.map((p) => [p.id, p]));
  const ids = meta.resolve.nodes.map((n) => n.id);
  const problems = [];
  const versions = new Map();
  for (const id of ids) {
    const p = packages.get(id);
    const name = `${p.name}@${p.version}`;
    versions.set(p.name, (versions.get(p.name) ?? 0) + 1);
    if (BANNED[p.name]) problems.push(`${name} is banned: ${BANNED[p.name]}`);
    if (typeof p.license !== 'string') {
      problems.push(`${name} declares no licence (license-file ${p.license_file ?? 'none'}): read it and decide`);
      continue;
    }
    const expr = p.license.replace(/\s*\/\s*/g, ' OR ');
    let ok;
    try {
      ok = satisfied(expr, ALLOWED);
    } catch (e) {
      problems.push(`${name}: ${e.message}`);
      continue;
    }
    if (!ok) problems.push(`${name} is ${p.license}, not an allowed licence`);
  }
  for (const id of meta.workspace_members) {
    const p = packages.get(id);
    for (const d of p.dependencies) {
      if (d.req === '*' && !d.path) problems.push(`${p.name} asks for any version of ${d.name} ("*")`);
    }
  }
  const duplicated = [...versions.values()].filter((n) => n > 1).length;
  return { problems, crates: ids.length, duplicated };
}

function main() {
  const meta = process.argv[2]
    ? JSON.parse(readFileSync(process.argv[2], 'utf8'))
    : JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--all-features', '--locked', '--offline'], {
      cwd: root, maxBuffer: 1 << 30, encoding: 'utf8',
    }));
  const { problems, crates, duplicated } = check(meta);
  if (problems.length) {
    console.error(problems.join('\n'));
    console.log(`rust licences: ${crates} crates, ${problems.length} problems: FAILED`);
    process.exit(1);
  }
  console.log(`rust licences: ${crates} crates (every platform, every feature), all allowed, none banned; ${duplicated} crates in more than one version`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) main();
