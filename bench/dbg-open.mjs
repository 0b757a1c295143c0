import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root, sleep, startDriver, open, close, click } from '/work/main/tests/e2e/lib.mjs';
const service = `dev.envdesk.dbg.${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'envdesk-dbg-'));
execFileSync(join(root, 'target/release/examples/perf_seed'), [dataDir, service], { stdio: 'inherit' });
const d = await startDriver({ ENVDESK_DATA_DIR: dataDir, ENVDESK_KEYRING_SERVICE: service });
const b = await open(d);
await b.setTimeout({ script: 120000 });
await click(b, 'button[aria-label="Expand perf"]');
await click(b, 'button[aria-label="Expand backend"]');
await click(b, 'button=production');
await (await b.$('.cm-content')).waitForExist({ timeout: 60000 });
await click(b, 'button=Merged');
await sleep(1000);
await b.execute(() => {
  const inv = window.__TAURI_INTERNALS__.invoke;
  window.__log = [];
  window.__TAURI_INTERNALS__.invoke = (cmd, args, opts) => {
    const t0 = performance.now();
    const p = inv(cmd, args, opts);
    p.then(() => window.__log.push([cmd, Math.round(t0 - window.__t0), Math.round(performance.now() - t0)]), () => window.__log.push([cmd, 'err']));
    return p;
  };
});
for (const name of ['staging', 'production', 'staging', 'production']) {
  const r = await b.executeAsync((name, done) => {
    window.__log = [];
    const t0 = (window.__t0 = performance.now());
    [...document.querySelectorAll('nav button.name')].find((x) => x.textContent.trim() === name).click();
    const check = () => {
      const crumbs = document.querySelector('h1.crumbs')?.textContent ?? '';
      const table = [...document.querySelectorAll('[data-testid=merged-table]')].find((t) => !t.closest('aside'));
      if (crumbs.endsWith(name) && Number(table?.dataset.total ?? 0) >= 5000 && table.querySelector('tbody tr[data-key]')) {
        const seen = performance.now() - t0;
        return setTimeout(() => done({ seen: Math.round(seen), total: Math.round(performance.now() - t0), log: window.__log }));
      }
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }, name);
  console.log(JSON.stringify(r));
}
await close(b);
d.proc.kill();
