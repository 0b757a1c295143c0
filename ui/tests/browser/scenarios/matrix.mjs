// The key matrix of a project (issue 14): states in words, same/different as the environment to the
// left, filters, a value read from the Rust side only when its cell is revealed, a cell opening its level
// on the key's line, "add here" saved on the level's revision, `# @absent:`, a level that does not parse,
// the CSV export, the locked project, a large project rendered in part, and axe in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export default (h) => {
  const { open, project, expect, shots } = h;
  const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

  /** A project `big` with one target `t` of 30 environments, `keys` keys in each. */
  const bigProject = (keys) => `
    const f = window.__envdeskFake.state;
    f.projects.push({ id: 'Pbig', slug: 'big', name: 'big', managed: 'client', has_secrets: true, children: 1, status: null });
    f.targets.big = [{ id: 'Tt', slug: 't', name: 't', managed: null, has_secrets: null, children: 30, status: null }];
    f.envs['big/t'] = Array.from({ length: 30 }, (_, i) => ({ id: 'E' + i, slug: 'e' + i, name: 'e' + i, managed: null, has_secrets: null, children: null, status: 'development' }));
    const text = Array.from({ length: ${keys} }, (_, i) => 'KEY_' + i + '=v' + i).join('\\n') + '\\n';
    for (let i = 0; i < 30; i++) f.levels['big/t/e' + i] = { text, revision: 1 };
  `;

  /** Opens the project `app` and its Matrix tab. */
  const matrix = async (seed = '') => {
    const { page, errors } = await open(project + seed);
    await page.getByRole('button', { name: 'app', exact: true }).click();
    await page.getByRole('tab', { name: 'Matrix' }).click();
    await page.getByTestId('matrix').waitFor();
    return { page, errors };
  };
  /** Each row as `KEY: state…` with the comparison mark (`=`/`~`) after a state. */
  const grid = (page) =>
    page.evaluate(() =>
      [...document.querySelectorAll('[data-testid=matrix] tbody tr[data-key]')].map(
        (tr) => `${tr.dataset.key}: ${[...tr.querySelectorAll('td')].map((td) => td.dataset.state + ({ same: '=', different: '~' }[td.dataset.compare] ?? '')).join(' ')}`,
      ),
    );
  const waitGrid = async (page, want) => {
    try {
      await page.waitForFunction((w) => {
        const rows = [...document.querySelectorAll('[data-testid=matrix] tbody tr[data-key]')].map(
          (tr) => `${tr.dataset.key}: ${[...tr.querySelectorAll('td')].map((td) => td.dataset.state + ({ same: '=', different: '~' }[td.dataset.compare] ?? '')).join(' ')}`,
        );
        return JSON.stringify(rows) === JSON.stringify(w);
      }, want, { timeout: 5000 });
    } catch {
      throw new Error(`the matrix is ${JSON.stringify(await grid(page))}, not ${JSON.stringify(want)}`);
    }
  };

  async function audit(page, screen) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    await page.waitForTimeout(60);
    const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: tags, resultTypes: ['violations'] }), RULES);
    const out = [];
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const n of v.nodes) out.push(`${screen}: ${v.impact} ${v.id} at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 220)}`);
    }
    return out;
  }

  async function axeIn(theme) {
    const { page } = await matrix(`window.__envdeskFake.state.settings.theme = '${theme}';
      window.__envdeskFake.state.levels['app/backend/staging'].text += '# @absent: LOG_LEVEL\\n';
      window.__envdeskFake.state.levels['app/backend/production'].text += 'LOG_LEVEL=warn\\n';`);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    await page.locator('[data-testid=matrix] tbody tr[data-key]').first().waitFor();
    const found = await audit(page, `${theme} matrix`);
    await page.getByRole('button', { name: 'Reveal value of DB in staging (backend)' }).click();
    await page.getByTestId('value').first().waitFor();
    found.push(...(await audit(page, `${theme} matrix with a value revealed`)));
    await page.getByRole('button', { name: 'Add here: ONLY_STAGING in production (backend)' }).click();
    await page.getByRole('dialog', { name: 'Add ONLY_STAGING here' }).waitFor();
    found.push(...(await audit(page, `${theme} add here`)));
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await shot(page, `matrix-${theme}`);
    if (found.length) {
      for (const f of found) console.log('    ' + f);
      throw new Error(`${found.length} serious or critical axe violations in the ${theme} theme (listed above)`);
    }
    return page;
  }

  return {
    async matrix_states_in_words_and_same_or_different() {
      const { page } = await matrix();
      //               project   target       production    staging
      await waitGrid(page, ['LOG: set set from-target from-target=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set missing set']);
      const heads = await page.locator('[data-testid=matrix] thead tr').nth(1).locator('th').allTextContents();
      expect(JSON.stringify(heads.map((t) => t.trim())) === JSON.stringify(['app', 'target level', 'production', 'staging']), JSON.stringify(heads));
      expect((await page.getByRole('columnheader', { name: 'backend' }).count()) === 1, 'the target groups its environments');
      const db = page.locator('tr[data-key=DB] td').nth(3).getByRole('button').first();
      expect((await db.textContent()).trim() === 'set ≠', await db.textContent());
      const label = await db.getAttribute('aria-label');
      expect(label.startsWith('set: DB in staging (backend), set here, different value from production'), label);
      expect((await page.locator('tr[data-key=LOG] td').nth(2).getByRole('button').first().textContent()).trim() === '↑ target', 'inherited says from where');
      const text = await page.getByTestId('matrix').textContent();
      for (const v of ['project-db', 'prod-db', 'stage-db', 'debug', 'info']) expect(!text.includes(v), `no value on screen: ${v}`);
      return page;
    },

    async matrix_filters_missing_differs_and_text() {
      const { page } = await matrix();
      await waitGrid(page, ['LOG: set set from-target from-target=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set missing set']);
      await page.getByLabel(/Only keys missing somewhere/).check();
      await waitGrid(page, ['ONLY_STAGING: not-set not-set missing set']);
      await page.getByLabel(/Only keys missing somewhere/).uncheck();
      await page.getByLabel(/Only keys whose values differ/).check();
      await waitGrid(page, ['DB: set from-project set set~']);
      await page.getByLabel(/Only keys whose values differ/).uncheck();
      await page.getByLabel('Filter keys by name').fill('log');
      await waitGrid(page, ['LOG: set set from-target from-target=']);
      await page.getByTestId('matrix-summary').filter({ hasText: '1 of 3 keys' }).waitFor();
      await page.getByLabel('Filter keys by name').fill('nothing');
      await page.getByText('No key matches the filters.').waitFor();
      return page;
    },

    async matrix_reveals_one_cell_from_rust() {
      const { page } = await matrix();
      await page.getByRole('button', { name: 'Reveal value of DB in staging (backend)' }).click();
      await page.locator('tr[data-key=DB] td').nth(3).getByTestId('value').filter({ hasText: 'stage-db' }).waitFor();
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'matrix_cell_value').map((c) => c.args));
      expect(calls.length === 1 && calls[0].name === 'DB' && calls[0].path.environment === 'staging' && calls[0].path.target === 'backend', JSON.stringify(calls));
      // Inherited: the value the environment gets.
      await page.getByRole('button', { name: 'Reveal value of LOG in production (backend)' }).click();
      await page.locator('tr[data-key=LOG] td').nth(2).getByTestId('value').filter({ hasText: 'debug' }).waitFor();
      expect(!(await page.getByTestId('matrix').textContent()).includes('prod-db'), 'only the cells revealed');
      await page.getByRole('button', { name: 'Hide value of DB in staging (backend)' }).click();
      await page.waitForFunction(() => !document.querySelector('[data-testid=matrix]').textContent.includes('stage-db'));
      return page;
    },

    async matrix_cell_opens_its_level_on_the_keys_line() {
      const { page } = await matrix(`window.__envdeskFake.state.levels['app/backend/staging'].text = '# first\\nA=1\\nDB=stage-db\\nONLY_STAGING=1\\n';`);
      await page.locator('tr[data-key=DB] td').nth(3).getByRole('button').first().click();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'DB=stage-db');
      expect((await page.getByRole('tab', { name: 'Levels' }).getAttribute('aria-selected')) === 'true', 'the Levels tab');
      expect((await page.getByRole('tab', { name: 'Matrix' }).count()) === 0, 'the matrix is a project view');
      return page;
    },

    async matrix_add_here_saves_on_the_levels_revision() {
      const { page } = await matrix();
      await page.getByRole('button', { name: 'Add here: ONLY_STAGING in production (backend)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add ONLY_STAGING here' });
      await dialog.getByLabel('Value of ONLY_STAGING').fill('from matrix');
      await dialog.getByRole('button', { name: 'Add' }).click();
      await dialog.waitFor({ state: 'detached' });
      await waitGrid(page, ['LOG: set set from-target from-target=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set set set~']);
      const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
      expect(saved.revision === 2 && saved.text === 'DB=prod-db\nONLY_STAGING=from matrix\n', JSON.stringify(saved));
      const save = await page.evaluate(() => window.__envdeskFake.state.calls.find((c) => c.cmd === 'save_level').args);
      expect(save.base_revision === 1 && save.base_text === 'DB=prod-db\n', JSON.stringify(save));
      return page;
    },

    async matrix_add_here_after_a_concurrent_change_writes_nothing() {
      const { page } = await matrix();
      await page.getByRole('button', { name: 'Add here: ONLY_STAGING in production (backend)' }).click();
      const dialog = page.getByRole('dialog', { name: 'Add ONLY_STAGING here' });
      await dialog.getByLabel('Value of ONLY_STAGING').fill('x');
      // Someone saves the level between its read and this save.
      await page.evaluate(() => {
        const f = window.__envdeskFake;
        const read = f.handlers.read_node;
        f.handlers.read_node = (a) => {
          const n = read(a);
          f.state.levels['app/backend/production'] = { text: 'DB=theirs\n', revision: 5 };
          f.handlers.read_node = read;
          return n;
        };
      });
      await dialog.getByRole('button', { name: 'Add' }).click();
      await dialog.getByRole('alert').filter({ hasText: 'nothing was written' }).waitFor();
      const level = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
      expect(level.text === 'DB=theirs\n', JSON.stringify(level));
      await dialog.getByRole('button', { name: 'Add' }).click();
      await dialog.waitFor({ state: 'detached' });
      const again = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
      expect(again.revision === 6 && again.text === 'DB=theirs\nONLY_STAGING=x\n', JSON.stringify(again));
      return page;
    },

    async matrix_absent_on_purpose_is_not_missing() {
      const { page } = await matrix(`window.__envdeskFake.state.levels['app/backend/production'].text = '# @absent: ONLY_STAGING\\nDB=prod-db\\n';`);
      await waitGrid(page, ['LOG: set set from-target from-target=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set absent set']);
      const b = page.locator('tr[data-key=ONLY_STAGING] td').nth(2).getByRole('button');
      expect((await b.count()) === 1 && (await b.textContent()).trim() === 'absent', 'absent, and no "add here"');
      await page.getByLabel(/Only keys missing somewhere \(0\)/).check();
      await page.getByText('No key matches the filters.').waitFor();
      return page;
    },

    async matrix_level_that_does_not_parse_says_so() {
      const { page } = await matrix(`window.__envdeskFake.state.levels['app/backend/'].text = 'LOG=debug\\nBROKEN: yes\\n';`);
      await page.locator('thead th[data-column=backend]').filter({ hasText: 'does not parse; its keys are left out' }).waitFor();
      await page.locator('thead th[data-column=production]').filter({ hasText: 'a level above does not parse' }).waitFor();
      await waitGrid(page, ['LOG: set from-project from-project from-project=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set missing set']);
      return page;
    },

    async matrix_exports_presence_as_csv() {
      const { page } = await matrix();
      await page.getByRole('button', { name: 'Export CSV…' }).click();
      await page.getByText('Key matrix saved to /tmp/app-key-matrix.csv').waitFor();
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'export_matrix_csv').map((c) => c.args));
      expect(calls.length === 1 && JSON.stringify(Object.keys(calls[0]).sort()) === '["conn","project"]', 'the page names no file: ' + JSON.stringify(calls));
      return page;
    },

    async matrix_of_a_locked_project_names_its_nodes() {
      const { page } = await open(project + 'window.__envdeskFake.state.locked = true; window.__envdeskFake.state.needKey = true;');
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('dialog', { name: /Unlock/ }).waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await page.getByRole('tab', { name: 'Matrix' }).click();
      await page.getByRole('button', { name: 'Unlock to see keys' }).waitFor();
      const heads = await page.locator('[data-testid=matrix] thead tr').nth(1).locator('th').allTextContents();
      expect(JSON.stringify(heads.map((t) => t.trim())) === JSON.stringify(['app', 'target level', 'production', 'staging']), JSON.stringify(heads));
      expect((await page.locator('tbody tr[data-key]').count()) === 0, 'no keys while locked');
      const found = await audit(page, 'locked matrix');
      expect(!found.length, found.join('\n'));
      await page.getByRole('button', { name: 'Unlock to see keys' }).click();
      const dialog = page.getByRole('dialog', { name: /Unlock/ });
      await dialog.getByLabel(/Key or passphrase/).fill('a'.repeat(64));
      await dialog.getByRole('button', { name: 'Unlock', exact: true }).click();
      await waitGrid(page, ['LOG: set set from-target from-target=', 'DB: set from-project set set~', 'ONLY_STAGING: not-set not-set missing set']);
      return page;
    },

    async matrix_of_thirty_environments_renders_the_rows_in_view() {
      const { page } = await open(bigProject(2000));
      await page.getByRole('button', { name: 'big', exact: true }).click();
      await page.getByRole('tab', { name: 'Matrix' }).click();
      const start = Date.now();
      await page.locator('tr[data-key=KEY_0]').waitFor();
      const took = Date.now() - start;
      const rendered = await page.locator('[data-testid=matrix] tbody tr[data-key]').count();
      expect(rendered < 100, `only the rows in view are in the page: ${rendered}`);
      expect((await page.locator('[data-testid=matrix] table').getAttribute('data-total')) === '2000', 'every row counted');
      // Columns too: 32 levels do not fit a screen; only those in view (and a margin) are in the page.
      const cells = await page.locator('tr[data-key=KEY_0] td.cell').count();
      expect(cells < 16, `only the columns in view are in the page: ${cells}`);
      expect((await page.locator('[data-testid=matrix] table').getAttribute('aria-colcount')) === '33', 'every column counted');
      expect((await page.locator('th[data-column=e29]').count()) === 0, 'the last column is not in the page yet');
      // Scrolled to the right end: the last environments are there, with their header and group.
      await page.locator('[data-testid=matrix] .wrap').evaluate((w) => {
        w.scrollLeft = w.scrollWidth;
        w.dispatchEvent(new Event('scroll'));
      });
      await page.locator('th[data-column=e29]').waitFor();
      await page.getByRole('button', { name: /^set: KEY_0 in e29 \(t\)/ }).waitFor();
      expect((await page.locator('th[data-column=e0]').count()) === 0, 'the first columns left the page');
      expect((await page.locator('thead th.group').first().textContent()).trim() === 't', 'the target heads the columns shown');
      const colindex = await page.locator('th[data-column=e29]').getAttribute('aria-colindex');
      expect(colindex === '33', 'its place among all columns: ' + colindex);
      console.log(`  matrix of 30 × 2,000 (fake backend) on screen in ${took} ms, ${rendered} rows and ${cells} columns rendered`);
      return page;
    },

    async matrix_arrow_keys_move_between_cells_beyond_the_window() {
      const { page } = await open(bigProject(500));
      await page.getByRole('button', { name: 'big', exact: true }).click();
      await page.getByRole('tab', { name: 'Matrix' }).click();
      await page.getByRole('button', { name: /^set: KEY_0 in e0 \(t\)/ }).focus();
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
      for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
      expect((await focused()).startsWith('set: KEY_0 in e12 (t)'), 'twelve to the right: ' + (await focused()));
      for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
      expect((await focused()).startsWith('set: KEY_3 in e12 (t)'), 'three down: ' + (await focused()));
      await page.keyboard.press('End');
      expect((await focused()).startsWith('set: KEY_3 in e29 (t)'), 'End: the last level of the row: ' + (await focused()));
      await page.keyboard.press('Control+End');
      expect((await focused()).startsWith('set: KEY_499 in e29 (t)'), 'Ctrl+End: the last key: ' + (await focused()));
      await page.keyboard.press('PageUp');
      expect(/^set: KEY_4[0-9][0-9] in e29/.test(await focused()) && !(await focused()).startsWith('set: KEY_499 '), 'a screen up: ' + (await focused()));
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('Home');
      expect((await focused()).startsWith('not set: KEY_0 in the project level (big)'), 'back to the first cell: ' + (await focused()));
      return page;
    },

    matrix_axe_light_theme: () => axeIn('light'),
    matrix_axe_dark_theme: () => axeIn('dark'),
  };
};
