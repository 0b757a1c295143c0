import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sleep, startDriver, open, close, click } from '../tests/e2e/lib.mjs';
const service = `dev.envdesk.perf.${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'envdesk-perf-'));
execFileSync(join(root, 'target/release/examples/perf_seed'), [dataDir, service], { stdio: 'inherit' });
const d = await startDriver({ ENVDESK_DATA_DIR: dataDir, ENVDESK_KEYRING_SERVICE: service });
const b = await open(d);
await click(b, 'button[aria-label="Expand perf"]');
await click(b, 'button[aria-label="Expand backend"]');
await click(b, 'button=production');
await (await b.$('.cm-content')).waitForExist({ timeout: 60000 });
await sleep(1000);
for (let i = 0; i < 4; i++) {
  const r = await b.executeAsync((cb) => {
    const inv = window.__TAURI_INTERNALS__.invoke;
    const t0 = performance.now();
    inv('unlock', { conn: 'local', project: 'perf' }).then(() => {
      const t1 = performance.now();
      return inv('read_node', { conn: 'local', path: { project: 'perf', target: 'backend', environment: 'staging' } }).then((n) => {
        const t2 = performance.now();
        const size = JSON.stringify(n).length;
        const t3 = performance.now();
        cb({ parts: n.levels.map((l) => [JSON.stringify(l.text).length, JSON.stringify(l.analysis.entries).length, JSON.stringify(l.analysis.lints).length, l.analysis.lints.length]), mergedSize: JSON.stringify(n.merged).length, unlock: t1 - t0, read: t2 - t1, stringify: t3 - t2, size, levels: n.levels.map((l) => [l.text.length, l.analysis.entries.length]), merged: n.merged.length });
      });
    }, (e) => cb({ err: String(e) }));
  });
  console.log(JSON.stringify(r));
}
await close(b);
d.proc.kill();
