// Browser tests of the built UI (ui/dist) in Debian's Chromium through playwright-core, with the IPC
// answered by fake-backend.js. One test per user story of design.md / issue 5.
//   node tests/browser/run.mjs        (after `npm run build`)
import { chromium } from 'playwright-core';
import { readFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = process.env.ENVDESK_DIST ?? join(here, '../../dist'); // a separate build: `npx vite build --outDir /tmp/x`
const fake = readFileSync(join(here, 'fake-backend.js'), 'utf8');
const shots = process.env.ENVDESK_SHOTS ?? join(here, '../../../target/ui-shots');
mkdirSync(shots, { recursive: true });
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});

async function open(seed = '') {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.route('http://envdesk.test/**', (route) => {
    const url = new URL(route.request().url());
    const file = join(dist, url.pathname === '/' ? 'index.html' : url.pathname);
    if (!existsSync(file)) return route.fulfill({ status: 404, body: '' });
    route.fulfill({ body: readFileSync(file), contentType: types[extname(file)] ?? 'application/octet-stream' });
  });
  await page.addInitScript(fake + '\n' + seed);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('http://envdesk.test/');
  await page.waitForSelector('.shell');
  return { page, context, errors };
}

const project = `
  const f = window.__envdeskFake.state;
  f.projects.push({ id: 'Papp', slug: 'app', name: 'app', managed: 'client', has_secrets: true, children: 1, status: null });
  f.targets.app = [{ id: 'Tb', slug: 'backend', name: 'backend', managed: null, has_secrets: null, children: 2, status: null }];
  f.envs['app/backend'] = [
    { id: 'Ep', slug: 'production', name: 'production', managed: null, has_secrets: null, children: null, status: 'production' },
    { id: 'Es', slug: 'staging', name: 'staging', managed: null, has_secrets: null, children: null, status: 'development' },
  ];
  f.levels['app//'] = { text: '# shared\\nLOG=info\\nDB=project-db\\n', revision: 1 };
  f.levels['app/backend/'] = { text: 'LOG=debug\\n', revision: 1 };
  f.levels['app/backend/production'] = { text: 'DB=prod-db\\n', revision: 1 };
  f.levels['app/backend/staging'] = { text: 'DB=stage-db\\nONLY_STAGING=1\\n', revision: 1 };
`;

async function openEnv(page, env = 'production') {
  await page.getByRole('button', { name: 'Expand app' }).click();
  await page.getByRole('button', { name: 'Expand backend' }).click();
  await page.getByRole('button', { name: env, exact: true }).click();
  await page.waitForSelector('[data-testid=editor] .cm-content');
}

function expect(cond, what) {
  if (!cond) throw new Error(what);
}

const tests = {
  async first_launch_offers_new_project_and_import() {
    const { page } = await open();
    await page.getByRole('heading', { name: /Your secrets, encrypted/ }).waitFor();
    expect(await page.getByRole('button', { name: 'New project' }).first().isVisible(), 'New project button');
    expect(await page.getByRole('button', { name: 'Import .env' }).isVisible(), 'Import button');
    expect((await page.getByRole('combobox', { name: 'Connection' }).inputValue()) === 'local', 'the local vault is current');
    return page;
  },

  async connections_add_test_switch_remove() {
    const { page } = await open();
    await page.getByRole('button', { name: 'Manage connections…' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Team');
    await page.getByLabel('URL').fill('https://secrets.example.test');
    await page.getByLabel('Organization id').fill('01ARZ3NDEKTSV4RRFFQ69G5FAV');
    await page.getByLabel('API token').fill('bad-token');
    await page.getByRole('button', { name: 'Test and add' }).click();
    await page.getByRole('alert').filter({ hasText: 'revoked' }).waitFor();
    await page.getByLabel('API token').fill('edk_good');
    await page.getByRole('button', { name: 'Test and add' }).click();
    await page.waitForFunction(() => document.querySelector('select[aria-label=Connection]').value === 'conn-1');
    const calls = await page.evaluate(() => window.__envdeskFake.state.calls.map((c) => c.cmd));
    expect(calls.includes('add_connection'), 'add_connection called');
    await page.getByRole('button', { name: 'Manage connections…' }).click();
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.waitForFunction(() => window.__envdeskFake.state.connections.length === 1);
    return page;
  },

  async tree_create_filter_and_badges() {
    const { page } = await open(project);
    await page.getByRole('button', { name: '+ New project' }).click();
    await page.getByLabel('Name', { exact: true }).fill('billing');
    await page.getByLabel(/Let the local vault hold the key/).check();
    await page.getByRole('button', { name: 'Create' }).click();
    await page.locator('.badge.server').waitFor();
    await page.getByRole('button', { name: 'Expand app' }).click();
    await page.getByRole('button', { name: '+ target' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('frontend');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('button', { name: 'frontend', exact: true }).waitFor();
    await page.getByLabel('Filter the tree').fill('bill');
    await page.waitForFunction(() => !document.body.innerText.includes('\napp\n'));
    expect(await page.getByRole('button', { name: 'billing', exact: true }).isVisible(), 'filter keeps billing');
    return page;
  },

  async keys_backup_once_lock_and_unlock() {
    const { page } = await open();
    await page.getByRole('button', { name: 'New project' }).first().click();
    await page.getByLabel('Name').fill('app');
    await page.getByRole('button', { name: 'Create' }).click();
    const key = await page.getByTestId('backup-key').textContent();
    expect(key.length === 64, 'the generated key is shown once');
    await page.getByRole('button', { name: 'Save to file…' }).click();
    await page.getByText('Key saved to').waitFor();
    await page.getByRole('button', { name: 'I have a copy' }).click();
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('heading', { name: 'envdesk is locked' }).waitFor();
    expect((await page.locator('[data-testid=editor]').count()) === 0, 'decrypted text dropped on lock');
    // The keychain no longer holds the key: the lock screen asks for it (LockScreen.svelte; lock.mjs).
    await page.evaluate(() => (window.__envdeskFake.state.needKey = true));
    await page.getByRole('button', { name: 'Unlock with the OS keychain' }).click();
    await page.getByLabel('Passphrase or key of app').fill('wrong');
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.getByTestId('lock-error').filter({ hasText: 'does not open' }).waitFor();
    await page.getByLabel('Passphrase or key of app').fill(key);
    await page.getByRole('button', { name: 'Unlock', exact: true }).click();
    await page.waitForSelector('[data-testid=editor] .cm-content');
    return page;
  },

  async editor_text_and_table_save_with_ctrl_s() {
    const { page } = await open(project);
    await openEnv(page);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('NEW_KEY=hello\n');
    await page.getByText('● unsaved').waitFor();
    await page.keyboard.press('Control+s');
    await page.getByText(/Saved environment level \(revision 2\)/).waitFor();
    const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
    expect(saved.text === 'DB=prod-db\nNEW_KEY=hello\n', 'saved text: ' + JSON.stringify(saved.text));
    await page.getByRole('button', { name: 'table' }).click();
    await page.getByRole('button', { name: 'Edit value of DB' }).click();
    await page.getByRole('textbox', { name: 'Value of DB' }).fill('edited');
    await page.getByRole('textbox', { name: 'Value of DB' }).press('Enter');
    await page.getByRole('button', { name: 'Save (Ctrl+S)' }).click();
    await page.getByText(/revision 3/).waitFor();
    return page;
  },

  async tree_moves_with_the_arrow_keys() {
    const { page } = await open(project);
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
    await page.getByRole('button', { name: 'app', exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'backend', exact: true }).waitFor();
    expect((await focused()) === 'app', 'right expands and keeps the focus');
    await page.keyboard.press('ArrowDown');
    expect((await focused()) === 'backend', 'down moves to the target');
    await page.keyboard.press('ArrowRight');
    await page.getByRole('button', { name: 'production', exact: true }).waitFor();
    await page.keyboard.press('ArrowRight');
    expect((await focused()) === 'production', 'right on an expanded node steps into its first child');
    await page.keyboard.press('End');
    expect((await focused()) === 'staging', 'End goes to the last node');
    await page.keyboard.press('ArrowLeft');
    expect((await focused()) === 'backend', 'left on a leaf goes to its parent');
    await page.keyboard.press('ArrowLeft');
    expect(!(await page.getByRole('button', { name: 'production', exact: true }).count()), 'left on an expanded node collapses it');
    await page.keyboard.press('ArrowUp');
    expect((await focused()) === 'app', 'up moves to the project');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'app' }).waitFor();
    return page;
  },

  async conflict_takes_a_value_of_your_own() {
    const { page } = await open(project);
    await openEnv(page);
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('A=mine\n');
    // Someone else saves the level first.
    await page.evaluate(() => Object.assign(window.__envdeskFake.state.levels['app/backend/production'], { text: 'DB=prod-db\nA=theirs\n', revision: 2 }));
    await page.keyboard.press('Control+s');
    await page.getByRole('heading', { name: 'Someone saved this level first' }).waitFor();
    await page.getByRole('textbox', { name: 'Own value for A' }).fill('both');
    expect(await page.getByRole('radio', { name: 'Your own value for A' }).isChecked(), 'typing picks your own value');
    await page.getByRole('button', { name: 'Save the merge' }).click();
    await page.getByText(/Merged and saved/).waitFor();
    const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
    expect(saved.text === 'DB=prod-db\nA=both\n' && saved.revision === 3, 'saved merge: ' + JSON.stringify(saved));
    return page;
  },

  async merged_view_shows_sources_and_overrides() {
    const { page } = await open(project);
    await openEnv(page);
    await page.getByRole('tab', { name: 'Merged' }).click();
    const rows = await page.locator('[data-testid=merged-table] tbody tr').evaluateAll((trs) =>
      trs.map((tr) => [tr.dataset.key, tr.querySelector('[data-testid=source]').textContent]),
    );
    expect(JSON.stringify(rows) === JSON.stringify([['LOG', 'target'], ['DB', 'environment']]), JSON.stringify(rows));
    expect((await page.locator('[data-testid=merged-table] [data-testid=value]').first().textContent()) === '••••••••', 'values masked');
    await page.getByRole('button', { name: '1 level' }).first().click();
    await page.getByText('comes from').waitFor();
    return page;
  },

  async diff_two_environments_copy_and_save() {
    const { page } = await open(project);
    await openEnv(page);
    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.getByLabel('Left side').selectOption({ label: 'production (merged)' });
    await page.getByLabel('Right side').selectOption({ label: 'staging (merged)' });
    await page.getByTestId('diff-summary').filter({ hasText: '1 only in staging' }).waitFor();
    // Writes into production (the left side): named for it, asked first (production is marked production).
    await page.getByRole('button', { name: 'Set in production: ONLY_STAGING' }).click();
    await page.getByRole('dialog', { name: 'Set ONLY_STAGING in production?' }).getByRole('button', { name: 'Set in production' }).click();
    await page.getByTestId('diff-said').filter({ hasText: 'Set ONLY_STAGING in production (revision 2).' }).waitFor();
    const prod = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production'].text);
    expect(prod.includes('ONLY_STAGING=1'), prod);
    await page.getByTestId('merge-view').waitFor();
    return page;
  },

  async history_view_and_restore() {
    const { page } = await open(project);
    await openEnv(page);
    for (const v of ['DB=v2\n', 'DB=v3\n']) {
      await page.evaluate((t) => {
        const f = window.__envdeskFake;
        const l = f.state.levels['app/backend/production'];
        f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: t, base_revision: l.revision });
      }, v);
    }
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText('2 versions').waitFor();
    await page.locator('[data-version="1"] button').click();
    await page.getByTestId('merge-view').waitFor();
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.getByRole('dialog', { name: 'Restore this version?' }).getByRole('button', { name: 'Restore' }).click();
    await page.getByText(/restored/).waitFor();
    const text = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production'].text);
    expect(text === 'DB=v2\n', text);
    return page;
  },

  async import_preview_merge_and_save() {
    const { page } = await open(project);
    await openEnv(page);
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('button', { name: 'Choose a .env or JSON file…' }).click();
    await page.getByTestId('import-summary').filter({ hasText: '2 keys in the file' }).waitFor();
    await page.getByRole('button', { name: 'Merge and save' }).click();
    await page.getByText(/Imported 2 keys/).waitFor();
    const text = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production'].text);
    expect(text.includes('IMPORTED=1'), text);
    // The page names the file by the handle it was given, never by a path; it shows the file's name.
    const sent = await page.evaluate(() =>
      window.__envdeskFake.state.calls.filter((c) => ['preview_import', 'apply_import'].includes(c.cmd)).map((c) => c.args),
    );
    expect(sent.length === 2 && sent.every((a) => typeof a.handle === 'number' && !('file' in a)), JSON.stringify(sent));
    return page;
  },

  async native_no_to_a_purge_changes_nothing() {
    const { page } = await open(project + "window.__envdeskFake.state.confirm = false;");
    await openEnv(page);
    await page.evaluate(() => {
      const f = window.__envdeskFake;
      const l = f.state.levels['app/backend/production'];
      f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: 'DB=v2\n', base_revision: l.revision });
    });
    await page.getByRole('tab', { name: 'History' }).click();
    await page.getByText('1 versions').or(page.getByText('1 version')).first().waitFor();
    await page.getByRole('button', { name: 'Purge all…' }).click();
    await page.getByLabel('Type the name to confirm').fill('production');
    await page.getByRole('button', { name: 'Purge', exact: true }).click();
    // The native dialog said no: the in-app dialog closes, no error, the history stays.
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const n = await page.evaluate(() => window.__envdeskFake.state.versions['app/backend/production'].length);
    expect(n === 1, `versions left: ${n}`);
    expect((await page.getByRole('alert').count()) === 0, 'no error shown');
    return page;
  },

  async export_merged_json_with_warning() {
    const { page } = await open(project);
    await openEnv(page);
    await page.getByRole('button', { name: 'Export' }).click();
    await page.getByText('The file is plaintext').waitFor();
    await page.getByLabel('Format').selectOption('json');
    await page.getByLabel(/Resolve/).check();
    await page.getByRole('button', { name: 'Export…' }).click();
    await page.getByText(/Exported to \/tmp\/export.env/).waitFor();
    const w = await page.evaluate(() => window.__envdeskFake.state.written['/tmp/export.env']);
    expect(w.format === 'json' && w.resolve === true && w.source.kind === 'merged', JSON.stringify(w));
    return page;
  },

  async key_rotation_shows_the_new_key_once() {
    const { page } = await open(project);
    await page.getByRole('button', { name: 'app', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate key…' }).click();
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByText(/Key rotated: 3 levels and 4 versions/).waitFor();
    expect((await page.getByTestId('backup-key').textContent()) === 'b'.repeat(64), 'the new key is shown once');
    return page;
  },

  async lock_one_project_from_the_tree() {
    const { page } = await open(project);
    await openEnv(page);
    await page.getByRole('button', { name: 'app', exact: true }).click();
    await page.getByRole('button', { name: 'Lock app' }).click();
    await page.getByText('Locked app: its secrets are hidden until you unlock it.').waitFor();
    expect((await page.locator('[data-testid=editor]').count()) === 0, 'decrypted text dropped on lock');
    const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'lock_project').map((c) => c.args));
    expect(calls.length === 1 && calls[0].project === 'app' && calls[0].conn === 'local', JSON.stringify(calls));
    expect(await page.evaluate(() => window.__envdeskFake.state.locked), 'the project is locked on the Rust side');
    return page;
  },

  async settings_theme_and_lock_time() {
    const { page } = await open();
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByLabel('Theme').selectOption('dark');
    await page.getByLabel(/Lock after idle minutes/).fill('5');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    const s = await page.evaluate(() => window.__envdeskFake.state.settings);
    expect(s.auto_lock_minutes === 5 && s.theme === 'dark', JSON.stringify(s));
    return page;
  },

  async drafts_are_offered_back_after_a_crash() {
    const { page } = await open(project + `
      window.__envdeskFake.state.drafts['app/backend/production'] = { path: { project: 'app', target: 'backend', environment: 'production' }, text: 'DB=prod-db\\nTYPED=before the crash\\n', base_revision: 1 };
    `);
    await page.getByText('Unsaved changes found').waitFor();
    expect((await page.getByTestId('draft-text').textContent()).includes('TYPED=…'), 'draft preview masks values');
    await page.getByRole('button', { name: 'Restore' }).click();
    await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent.includes('TYPED=before the crash'));
    await page.getByText('● unsaved').waitFor();
    return page;
  },
};

// More scenarios, one file per area: tests/browser/scenarios/*.mjs, each
// `export default (h) => ({ name: async () => page, … })`, given the helpers of this file.
const more = join(here, 'scenarios');
if (existsSync(more)) {
  for (const f of readdirSync(more).filter((f) => f.endsWith('.mjs')).sort()) {
    const mod = await import(join(more, f));
    for (const [name, fn] of Object.entries(mod.default({ open, openEnv, project, expect, shots }))) {
      if (name in tests) throw new Error(`two browser scenarios are named ${name}`);
      tests[name] = fn;
    }
  }
}

let passed = 0;
let failed = 0;
const only = process.argv[2];
for (const [name, fn] of Object.entries(tests)) {
  if (only && !name.includes(only)) continue;
  try {
    const page = await fn();
    await page.screenshot({ path: join(shots, `${name}.png`) });
    await page.context().close();
    console.log(`ok   ${name}`);
    passed++;
  } catch (e) {
    console.log(`FAIL ${name}: ${e.message.split('\n')[0]}`);
    failed++;
  }
}
await browser.close();
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
