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
for (let i = 0; i < 3; i++) {
  const r = await b.executeAsync((cb) => {
    const inv = window.__TAURI_INTERNALS__.invoke;
    const t0 = performance.now();
    const src = (e) => ({ kind: 'merged', path: { project: 'perf', target: 'backend', environment: e } });
    inv('diff_sources', { conn: 'local', a: src('production'), b: src('staging') }).then((n) => {
      const t1 = performance.now();
      cb({ ipc: t1 - t0, size: JSON.stringify(n).length, changes: n.changes.length, aLen: n.a_text.length });
    }, (e) => cb({ err: JSON.stringify(e) }));
  });
  console.log(JSON.stringify(r));
}
await close(b);
d.proc.kill();
