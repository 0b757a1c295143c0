// App performance on the release build (not in CI): launch to interactive (median of 10), memory of all
// app processes, open a 5,000-key environment to the rendered merged table, diff two 5,000-key
// environments to rendered, the key matrix of 30 environments × 2,000 keys to first render and a scroll
// through it, a search keystroke over 100 environments × 1,000 keys to rendered results, and the
// history of one key over 200 versions of a 1,000-key level. Run through bench/app-perf.sh; figures go
// in docs/benchmarks.md.
//
// Every time is taken inside the page (performance.now), not by polling through WebDriver, so the
// driver's round trips do not count. A view is "rendered" at the first task after the animation frame
// in which it is complete (WebKit paints that frame in between).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APP, root, sleep, startDriver, open, close, click } from '../tests/e2e/lib.mjs';

const service = `dev.envdesk.perf.${process.pid}`;
const dataDir = mkdtempSync(join(tmpdir(), 'envdesk-perf-'));
execFileSync(join(root, 'target/release/examples/perf_seed'), [dataDir, service], { stdio: 'inherit' });
const env = { ENVDESK_DATA_DIR: dataDir, ENVDESK_KEYRING_SERVICE: service };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => `${Math.round(x)} ms`;

/** The app's processes: the app itself and WebKit's helper processes (none else runs WebKit here). */
function appPids() {
  return execFileSync('ps', ['-eo', 'pid=,args='])
    .toString()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, cmd]) => cmd === APP || /WebKit(Web|Network|GPU)Process$/.test(cmd ?? ''))
    .map(([pid]) => Number(pid));
}

/** Resident (RSS) and proportional (PSS: shared pages divided among their users) memory, in MB, in all
 * and per process (the app's own, WebKit's web and network processes). */
function memory(pids) {
  let rss = 0;
  let pss = 0;
  const each = [];
  for (const pid of pids) {
    const s = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const name = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0].split('/').pop();
    const p = Number(/^Pss:\s+(\d+)/m.exec(s)[1]);
    rss += Number(/^Rss:\s+(\d+)/m.exec(s)[1]);
    pss += p;
    each.push(`${name} ${(p / 1024).toFixed(0)}`);
  }
  return { rss: rss / 1024, pss: pss / 1024, n: pids.length, each };
}
const mb = (m) => `RSS ${m.rss.toFixed(0)} MB, PSS ${m.pss.toFixed(0)} MB (${m.n} processes; PSS: ${m.each.join(', ')})`;

// 1. Launch to interactive: the app started as a user starts it (no WebDriver, whose automation
//    session adds ~0.8 s), from spawning the process to the window shown by `ui_ready`, which the UI
//    calls once the tree is drawn; the app logs that moment's wall-clock time at debug level.
const launch = [];
for (let i = 0; i < 10; i++) {
  const t0 = Date.now();
  const app = spawn(APP, [], { env: { ...process.env, ...env, ENVDESK_LOG: 'warn,envdesk::startup=debug', NO_COLOR: '1' } });
  let log = '';
  app.stderr.on('data', (x) => (log += x));
  const end = Date.now() + 20000;
  let m;
  while (!(m = /window shown: interactive.*epoch_ms=(\d+)/.exec(log.replace(/\x1b\[[0-9;]*m/g, '')))) {
    if (Date.now() > end) throw new Error(`the app never became interactive:\n${log}`);
    await sleep(20);
  }
  launch.push(Number(m[1]) - t0);
  app.kill();
  await new Promise((r) => app.once('exit', r));
  await sleep(300);
}

const d = await startDriver(env);
const b = await open(d);
await b.setTimeout({ script: 120000 });
const stage = (what) => console.error(`[app-perf] ${what}`);
// The wait every measurement shares, installed in the page once: from `t0`, each frame asks `ready()`;
// once it answers (true, or lines to add to the requests), the requests traced since `t0` are read and
// `done([ms, requests])` is called when that frame is painted; `[-1, []]` past `limit` ms.
await b.execute(() => {
  window.__benchUntil = (t0, ready, done, limit = 30000) => {
    const check = () => {
      const answer = ready();
      if (answer) {
        const calls = (window.__envdeskTrace ?? []).map(([cmd, at, ms]) => `${cmd} at ${Math.round(at - t0)} ms took ${Math.round(ms)} ms`);
        window.__envdeskTrace = undefined;
        return setTimeout(() => done([performance.now() - t0, Array.isArray(answer) ? [...calls, ...answer] : calls]));
      }
      if (performance.now() - t0 > limit) return done([-1, []]);
      requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  };
});

stage('memory');
// 2. Memory, idle: with the project open in the tree, then with a 5,000-key environment open.
await click(b, 'button[aria-label="Expand perf"]');
await click(b, 'button[aria-label="Expand backend"]');
await sleep(3000);
const memProject = memory(appPids());
await click(b, 'button=production');
await (await b.$('.cm-content')).waitForExist({ timeout: 60000 });
await sleep(3000);
const memEnv = memory(appPids());

/** Clicks an environment in the tree; ms until its merged table is rendered with all its rows. */
async function openMerged(name, rows) {
  const ms = await b.executeAsync(
    (name, rows, done) => {
      const t0 = performance.now();
      window.__envdeskTrace = [];
      [...document.querySelectorAll('nav button.name')].find((x) => x.textContent.trim() === name).click();
      window.__benchUntil(
        t0,
        () => {
          const crumbs = document.querySelector('h1.crumbs')?.textContent ?? '';
          const table = [...document.querySelectorAll('[data-testid=merged-table]')].find((t) => !t.closest('aside'));
          const shown = crumbs.endsWith(name) && Number(table?.dataset.total ?? 0) >= rows && table.querySelector('tbody tr[data-key]');
          // Seen in the DOM at this frame's start; done once the frame is painted.
          return shown && [`rows in the DOM by ${Math.round(performance.now() - t0)} ms`];
        },
        done,
      );
    },
    name,
    rows,
  );
  const [t, calls] = ms;
  if (t < 0) throw new Error(`${name} never rendered`);
  openCalls = calls;
  return t;
}
/** The requests of the last open, with when each started and how long it took. */
let openCalls = [];

stage('open');
// 3. Open a 5,000-key environment (three levels) to the rendered merged table.
await click(b, 'button=Merged');
const openMs = [];
for (const target of ['staging', 'production', 'staging', 'production', 'staging', 'production', 'staging']) {
  openMs.push(await openMerged(target, 5000));
}

stage('diff');
// 4. Diff two 5,000-key environments (merged) to rendered: the key-wise table and the side-by-side
//    text of that pair.
await click(b, 'button=Diff');
await (await b.$('[data-testid=merge-view][data-built]:not([data-built="0"])')).waitForExist({ timeout: 30000 });
const diffMs = [];
let diffCalls = [];
// Both sides change with one action, as a user changes them: "Swap sides" (production ↔ staging, then
// back). Two pickers changed from one script are two diffs in WebKit: Svelte's update runs between the
// two `change` events there, so the first pick's pair is asked for too.
for (let i = 0; i < 5; i++) {
  const [ms, calls] = await b.executeAsync((done) => {
    const [left, right] = document.querySelectorAll('.pickers select');
    const built = Number(document.querySelector('[data-testid=merge-view]').dataset.built);
    const t0 = performance.now();
    window.__envdeskTrace = [];
    document.querySelector('button[aria-label="Swap sides"]').click();
    window.__benchUntil(
      t0,
      () => {
        const pair = `${left.value}|${right.value}`;
        const s = document.querySelector('[data-testid=diff-summary]');
        const merge = document.querySelector('[data-testid=merge-view]');
        const rows = document.querySelectorAll('[aria-label="Key-wise differences"] tbody tr[data-key]').length;
        return s?.dataset.pair === pair && rows > 0 && Number(merge?.dataset.built) > built && !!merge.querySelector('.cm-mergeView .cm-line');
      },
      done,
    );
  });
  if (ms < 0) throw new Error('the diff never rendered');
  diffMs.push(ms);
  diffCalls = calls;
}
stage('matrix');
// 5. The key matrix of a project with 30 environments × 2,000 keys (local vault, unlocked): from the
//    click on the Matrix tab to its table rendered with rows; then a scroll of one screen to rendered.
await click(b, 'button[aria-label="Expand matrix"]');
await click(b, 'button=matrix');
await (await b.$('.cm-content, [role=tablist]')).waitForExist({ timeout: 60000 });
await sleep(1500);
const matrixMs = [];
let matrixCalls = [];
const scrollMs = [];
for (let i = 0; i < 5; i++) {
  await b.execute(() => [...document.querySelectorAll('button[role=tab]')].find((x) => x.textContent === 'Levels').click());
  await sleep(300);
  const [ms, scrolled, calls] = await b.executeAsync((done) => {
    const t0 = performance.now();
    window.__envdeskTrace = [];
    [...document.querySelectorAll('button[role=tab]')].find((x) => x.textContent === 'Matrix').click();
    // First the table rendered; then a screen down, rendered in the next frames.
    let first, t1, table, before;
    const firstRow = () => table.querySelector('tbody tr:not(.spacer) th, tbody tr:not(.spacer) td')?.textContent;
    window.__benchUntil(
      t0,
      () => {
        if (first === undefined) {
          table = document.querySelector('[data-testid=matrix] table[data-total]');
          if (!(table && Number(table.dataset.total) >= 2000 && table.querySelector('tbody tr td'))) return false;
          first = performance.now() - t0;
          const wrap = table.closest('.wrap, .scroll') ?? table.parentElement;
          before = firstRow();
          t1 = performance.now();
          wrap.scrollTop += wrap.clientHeight;
          wrap.dispatchEvent(new Event('scroll'));
          return false;
        }
        return firstRow() !== before || performance.now() - t1 > 2000;
      },
      ([ms, calls]) => done(ms < 0 || first === undefined ? [-1, -1, []] : [first, performance.now() - t1, calls]),
    );
  });
  if (ms < 0) throw new Error('the matrix never rendered');
  matrixMs.push(ms);
  scrollMs.push(scrolled);
  matrixCalls = calls;
}

stage('search');
// 6. Search everywhere over 100 environments × 1,000 keys: the project unlocked (one of its
//    environments opened), the index built by a first query, then keystrokes, each from the input event
//    to its results rendered (the palette's answer for exactly what was typed, in the DOM).
await click(b, 'button[aria-label="Expand search"]');
await click(b, 'button[aria-label="Expand s0"]');
await click(b, 'button=senv000');
await (await b.$('.cm-content')).waitForExist({ timeout: 60000 });
await b.keys(['Control', 'k']);
await (await b.$('[aria-label="Search keys"]')).waitForExist({ timeout: 10000 });
const typeAndWait = (query) =>
  b.executeAsync((query, done) => {
    const input = document.querySelector('[aria-label="Search keys"]');
    const t0 = performance.now();
    window.__envdeskTrace = [];
    input.value = query;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    window.__benchUntil(t0, () => document.querySelector('#search-results')?.dataset.answered === query, done, 60000);
  }, query).then(([ms, calls]) => {
    searchCalls = calls;
    return ms;
  });
let searchCalls = [];
const indexMs = await typeAndWait('setting_0');
const searchMs = [];
for (const q of ['setting_01', 'setting_012', 'setting_0123', 'setting_012', 'setting_01', 'setting_0', 'setting_', 'group 5', 'zzz', 'setting_0999_3']) {
  const ms = await typeAndWait(q);
  if (ms < 0) throw new Error(`search for ${q} never answered`);
  searchMs.push(ms);
}
await b.keys(['Escape']);

stage('history');
// 7. The history of one key over 200 versions of a 1,000-key level: from the click on "history" in the
//    merged view to the dialog listing its changes (the first time: no version cached yet).
await click(b, 'button[aria-label="Expand hist"]');
await click(b, 'button[aria-label="Expand app"]');
await click(b, 'button=prod');
await b.execute(() => [...document.querySelectorAll('button[role=tab]')].find((x) => x.textContent === 'Merged').click());
await (await b.$('[data-testid=merged-table] tr[data-key="KEY_00007"]')).waitForExist({ timeout: 60000 });
const [historyMs, historyCalls] = await b.executeAsync((done) => {
  const t0 = performance.now();
  window.__envdeskTrace = [];
  document.querySelector('button[aria-label="History of KEY_00007 at the environment level"]').click();
  window.__benchUntil(t0, () => (document.querySelector('[role=dialog]')?.querySelectorAll('[data-testid=key-event]').length ?? 0) >= 10, done);
});

// The session ends even if the window does not close cleanly (a dialog open): the driver is killed.
await Promise.race([close(b), sleep(5000)]);
d.proc.kill();

console.log(`launch to interactive (median of 10): ${fmt(median(launch))} from spawning the process to the tree drawn and the window shown [${launch.join(', ')}]`);
console.log(`memory, idle with the project open in the tree: ${mb(memProject)}`);
console.log(`memory, idle with a 5,000-key environment open: ${mb(memEnv)}`);
console.log(`open a 5,000-key environment to the rendered merged table (median of ${openMs.length}): ${fmt(median(openMs))} [${openMs.map(Math.round).join(', ')}]`);
console.log(`  requests of the last open: ${openCalls.join('; ')}`);
console.log(`key matrix, 30 environments × 2,000 keys, Matrix tab to rendered (median of ${matrixMs.length}): ${fmt(median(matrixMs))} [${matrixMs.map(Math.round).join(', ')}]; one screen scrolled to rendered: ${fmt(median(scrollMs))} [${scrollMs.map(Math.round).join(', ')}]`);
console.log(`  requests of the last matrix: ${matrixCalls.join('; ')}`);
console.log(`search everywhere, 100 environments × 1,000 keys: first query (builds the index) ${fmt(indexMs)}; a keystroke to rendered results (median of ${searchMs.length}): ${fmt(median(searchMs))} [${searchMs.map(Math.round).join(', ')}]`);
console.log(`  requests of the last keystroke: ${searchCalls.join('; ')}`);
console.log(`history of one key, 200 versions of a 1,000-key level, click to listed (cache empty): ${historyMs < 0 ? 'never listed' : fmt(historyMs)}`);
console.log(`  requests: ${historyCalls.join('; ')}`);
console.log(`diff two 5,000-key environments to rendered (median of ${diffMs.length}): ${fmt(median(diffMs))} [${diffMs.map(Math.round).join(', ')}]`);
console.log(`  requests of the last diff: ${diffCalls.join('; ')}`);
