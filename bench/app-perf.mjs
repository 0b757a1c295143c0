// App performance on the release build (not in CI): launch to interactive (median of 10), resident
// memory of all app processes after opening a project, open a 5,000-key environment to the rendered
// merged table, diff two 5,000-key environments to rendered. Run through bench/app-perf.sh.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, root, sleep, startDriver, open, close, click } from '../tests/e2e/lib.mjs';

const service = `dev.envdesk.perf.${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'envdesk-perf-'));
execFileSync(join(root, 'target/release/examples/perf_seed'), [dataDir, service], { stdio: 'inherit' });
const env = { ENVDESK_DATA_DIR: dataDir, ENVDESK_KEYRING_SERVICE: service };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// 1. Launch to interactive: from asking for a session (the driver starts the app) to the first tree
//    rendered, and inside the page from navigation start to the same moment.
const outer = [];
const inner = [];
for (let i = 0; i < 10; i++) {
  const d = await startDriver(env);
  const t0 = performance.now();
  const b = await open(d);
  await (await b.$('button=perf')).waitForExist({ timeout: 30000 });
  outer.push(performance.now() - t0);
  inner.push(await b.execute(() => performance.now()));
  await close(b);
  d.proc.kill();
  await sleep(300);
}

const d = await startDriver(env);
const b = await open(d);
await click(b, 'button[aria-label="Expand perf"]');
await click(b, 'button[aria-label="Expand backend"]');

/** Clicks an environment in the tree and polls until its merged table is painted with all its rows;
 * ms between the two (polling every 10 ms through the driver). */
async function openMerged(env, rows) {
  const t0 = performance.now();
  await b.execute((name) => [...document.querySelectorAll('nav button.name')].find((x) => x.textContent.trim() === name).click(), env);
  for (;;) {
    const state = await b.execute(() => {
      const tables = [...document.querySelectorAll('[data-testid=merged-table]')];
      const table = tables.find((t) => !t.closest('aside')) ?? tables[0];
      return {
        crumbs: document.querySelector('h1.crumbs')?.textContent ?? '',
        total: Number(table?.dataset.total ?? 0),
        tables: tables.length,
        painted: !!table?.querySelector('tbody tr[data-key]'),
      };
    });
    if (state.crumbs.endsWith(env) && state.total >= rows && state.painted) return performance.now() - t0;
    if (performance.now() - t0 > 30000) throw new Error('never rendered: ' + JSON.stringify(state));
    await sleep(10);
  }
}

// 2. Open production (unlocks: PBKDF2 once), then memory idle.
await click(b, 'button=production');
await (await b.$('.cm-content')).waitForExist({ timeout: 60000 });
await sleep(3000);
const procs = execFileSync('ps', ['-eo', 'rss=,args='])
  .toString()
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l.split(/\s+/)[1] === APP || /WebKit(Web|Network)Process/.test(l));
const pids = procs;
const rssKb = procs.map((l) => Number(l.split(/\s+/)[0])).reduce((a, b) => a + b, 0);

// 3. Open a 5,000-key environment (three levels) to the rendered merged table.
await click(b, 'button=Merged');
const openMs = [];
for (const target of ['staging', 'production', 'staging', 'production', 'staging']) {
  openMs.push(await openMerged(target, 5000));
}

// 4. Diff two 5,000-key environments (merged) to rendered.
await click(b, 'button=Diff');
await sleep(2000);
const diffMs = await b.executeAsync((cb) => {
  const [left, right] = document.querySelectorAll('.pickers select');
  const pick = (s, label) => {
    s.value = [...s.options].find((o) => o.textContent === label).value;
    s.dispatchEvent(new Event('change'));
  };
  const t0 = performance.now();
  pick(left, 'production (merged)');
  pick(right, 'staging (merged)');
  const check = () => {
    const s = document.querySelector('[data-testid=diff-summary]')?.textContent ?? '';
    const merge = document.querySelector('[data-testid=merge-view] .cm-mergeView');
    return s.includes('~5000 changed') && merge ? cb(performance.now() - t0) : requestAnimationFrame(check);
  };
  requestAnimationFrame(check);
});
await close(b);
d.proc.kill();

const fmt = (x) => `${Math.round(x)} ms`;
console.log(`launch to interactive (median of 10): ${fmt(median(outer))} from session request; ${fmt(median(inner))} in the page (navigation start → tree)`);
console.log(`resident memory, idle with a project open: ${(rssKb / 1024).toFixed(0)} MB (${pids.length} processes)`);
console.log(`open a 5,000-key environment to the rendered merged table (median of ${openMs.length}): ${fmt(median(openMs))} [${openMs.map(Math.round).join(', ')}]`);
console.log(`diff two 5,000-key environments to rendered: ${fmt(diffMs)}`);
