// A level that does not parse (issue 13, items 1 and 11): saving it asks first; every merged result
// (Merged tab, effective result, a merged side of a diff, export) names the level and its line, says its
// keys are left out and goes to the line; under the editor a problems list shows every error and lint.
import { join } from 'node:path';

export default (h) => {
  const { open, openEnv, project, expect, shots } = h;

  /** The production level's saved text, in the seed. */
  const production = (text) => `window.__envdeskFake.state.levels['app/backend/production'] = { text: ${JSON.stringify(text)}, revision: 1 };`;
  const staging = (text) => `window.__envdeskFake.state.levels['app/backend/staging'] = { text: ${JSON.stringify(text)}, revision: 1 };`;
  const dark = `window.__envdeskFake.state.settings.theme = 'dark';`;

  /** The line the editor's cursor is on, and whether the editor has the focus. */
  const cursor = (page) =>
    page.evaluate(() => ({
      line: document.querySelector('.cm-activeLine')?.textContent ?? null,
      focused: document.activeElement?.classList.contains('cm-content') ?? false,
    }));

  const mergedRows = (page, within = '[data-testid=merged-table]') =>
    page.locator(`${within} tbody tr[data-key]`).evaluateAll((trs) => trs.map((tr) => `${tr.dataset.key}:${tr.querySelector('[data-testid=source]').textContent}`));

  const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

  return {
    async save_broken_text_asks_and_keep_editing_keeps_it() {
      const { page } = await open(project);
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('OOPS: one\nFINE=1\nALSO: two\n');
      await page.getByText('● unsaved').waitFor();
      await page.keyboard.press('Control+s');
      const ask = page.getByRole('dialog', { name: 'Save environment level with lines that do not parse?' });
      await ask.waitFor();
      const said = await ask.textContent();
      expect(said.includes('Lines 2 and 4 of the environment level (production) do not parse'), said);
      expect(said.includes("none of this level's keys are included in the merged result"), said);
      expect(await ask.getByRole('button', { name: 'Save anyway' }).isVisible(), 'Save anyway offered');
      // The safe answer has the focus: Enter out of habit does not save.
      expect((await page.evaluate(() => document.activeElement?.textContent)) === 'Keep editing', 'Keep editing is focused');
      await ask.getByRole('button', { name: 'Keep editing' }).click();
      await ask.waitFor({ state: 'detached' });
      const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
      expect(saved.revision === 1 && saved.text === 'DB=prod-db\n', 'nothing saved: ' + JSON.stringify(saved));
      expect(await page.getByText('● unsaved').isVisible(), 'the text is still being edited');
      expect((await page.locator('.cm-content').textContent()).includes('ALSO: two'), 'the text is kept');
      // A second Ctrl+S asks again (the screenshot shows the question).
      await page.keyboard.press('Control+s');
      await ask.waitFor();
      return page;
    },

    async save_anyway_saves_and_the_banner_says_what_is_left_out() {
      const { page } = await open(project);
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('OOPS: one\nONLY_PROD=1\n');
      await page.keyboard.press('Control+s');
      const ask = page.getByRole('dialog', { name: 'Save environment level with a line that does not parse?' });
      await ask.waitFor();
      expect((await ask.textContent()).includes('Line 2 of the environment level (production) does not parse: expected “=”'), await ask.textContent());
      await ask.getByRole('button', { name: 'Save anyway' }).click();
      await page.getByText(/Saved environment level \(revision 2\)/).waitFor();
      const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);
      expect(saved.text === 'DB=prod-db\nOOPS: one\nONLY_PROD=1\n', JSON.stringify(saved));
      // The effective result beside the editor says why production's keys are gone.
      const side = page.getByRole('complementary', { name: 'Effective result' });
      const banner = side.getByTestId('parse-banner');
      await banner.filter({ hasText: 'The environment level (production) does not parse at line 2' }).waitFor();
      expect((await banner.textContent()).includes('None of its keys are included here.'), await banner.textContent());
      expect(await banner.getByRole('button', { name: 'Go to line 2' }).isVisible(), 'go to line offered');
      const rows = await mergedRows(page, 'aside');
      expect(JSON.stringify(rows) === JSON.stringify(['LOG:target', 'DB:project']), JSON.stringify(rows));
      // A text that parses saves without a question.
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type('OOPS=one');
      await page.keyboard.press('Control+s');
      await page.getByText(/Saved environment level \(revision 3\)/).waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'no question for a text that parses');
      await side.getByTestId('parse-banner').waitFor({ state: 'detached' });
      // Back to broken and saved, for the screenshot of the banner.
      await page.keyboard.press('Control+Home');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type('OOPS: one');
      await page.keyboard.press('Control+s');
      await page.getByRole('button', { name: 'Save anyway' }).click();
      await banner.waitFor();
      return page;
    },

    async merged_tab_banner_goes_to_the_broken_line() {
      const { page } = await open(project + production('DB=prod-db\nGOOD=1\nOOPS: here\nLATER=2\n'));
      await openEnv(page);
      await page.getByRole('tab', { name: 'Merged' }).click();
      const banner = page.getByTestId('parse-banner');
      await banner.filter({ hasText: 'The environment level (production) does not parse at line 3' }).waitFor();
      const said = await banner.textContent();
      expect(said.includes('expected “=” between key and value') && said.includes('None of its keys are included here.'), said);
      const rows = await mergedRows(page);
      expect(JSON.stringify(rows) === JSON.stringify(['LOG:target', 'DB:project']), 'production keys left out: ' + JSON.stringify(rows));
      await shot(page, 'merged_tab_banner_goes_to_the_broken_line-banner');
      // The project level is shown on the Levels tab: Go to line brings the environment level.
      await page.getByRole('tab', { name: 'Levels' }).click();
      await page.getByRole('tab', { name: 'project' }).click();
      await page.getByRole('tab', { name: 'Merged' }).click();
      await banner.getByRole('button', { name: 'Go to line 3' }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      expect((await page.getByRole('tab', { name: 'Levels' }).getAttribute('aria-selected')) === 'true', 'Levels tab shown');
      expect((await page.getByRole('tab', { name: 'environment' }).getAttribute('aria-selected')) === 'true', 'environment level shown');
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'OOPS: here');
      const c = await cursor(page);
      expect(c.line === 'OOPS: here' && c.focused, JSON.stringify(c));
      return page;
    },

    async effective_result_banner_while_editing_dark() {
      const { page } = await open(project + dark);
      await openEnv(page);
      await page.getByRole('tab', { name: 'target' }).click();
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('BROKEN: yes\n');
      const side = page.getByRole('complementary', { name: 'Effective result' });
      const banner = side.getByTestId('parse-banner');
      await banner.filter({ hasText: 'The target level (backend) as edited (not saved) does not parse at line 2' }).waitFor();
      // The live result leaves the target's LOG out, as a save would.
      await page.waitForFunction(() => ![...document.querySelectorAll('aside tbody tr[data-key]')].some((tr) => tr.dataset.key === 'LOG' && tr.textContent.includes('target')));
      const rows = await mergedRows(page, 'aside');
      expect(JSON.stringify(rows) === JSON.stringify(['LOG:project', 'DB:environment']), JSON.stringify(rows));
      // Go to line from the banner: the cursor goes to the broken line of the text being edited.
      await page.keyboard.press('Control+Home');
      await banner.getByRole('button', { name: 'Go to line 2' }).click();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'BROKEN: yes');
      expect((await cursor(page)).focused, 'the editor has the focus');
      expect((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'dark theme');
      return page;
    },

    async diff_banner_names_the_other_environment_and_goes_there() {
      const { page } = await open(project + staging('DB=stage-db\nONLY_STAGING=1\nNOPE: x\n'));
      await openEnv(page);
      await page.getByRole('tab', { name: 'Diff' }).click();
      await page.getByLabel('Left side').selectOption({ label: 'production (merged)' });
      await page.getByLabel('Right side').selectOption({ label: 'staging (merged)' });
      const banner = page.getByTestId('parse-banner');
      await banner.filter({ hasText: 'The environment level (staging) does not parse at line 3' }).waitFor();
      expect((await banner.textContent()).includes('None of its keys are included in the merged side.'), await banner.textContent());
      // Staging's own keys are left out of its merged side: ONLY_STAGING is not there, DB comes from the project.
      await page.getByTestId('diff-summary').filter({ hasText: '1 different' }).waitFor();
      expect((await page.locator('tr[data-key=ONLY_STAGING]').count()) === 0, 'ONLY_STAGING left out');
      // A level against a merged side: only the merged side's broken levels are named.
      await shot(page, 'diff_banner_names_the_other_environment_and_goes_there-banner');
      await banner.getByRole('button', { name: 'Go to line 3' }).click();
      await page.getByRole('heading', { name: 'app › backend › staging' }).waitFor();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'NOPE: x');
      expect((await page.getByRole('tab', { name: 'environment' }).getAttribute('aria-selected')) === 'true', 'staging environment level shown');
      return page;
    },

    async export_banner_refuses_a_merged_export_and_goes_to_the_line() {
      const { page } = await open(project + production('DB=prod-db\nOOPS: here\n'));
      await openEnv(page);
      await page.getByRole('button', { name: 'Export', exact: true }).click();
      const dialog = page.getByRole('dialog');
      const banner = dialog.getByTestId('parse-banner');
      await banner.filter({ hasText: 'The environment level (production) does not parse at line 2' }).waitFor();
      expect((await banner.textContent()).includes('the merged result cannot be exported until it is fixed'), await banner.textContent());
      expect(await dialog.getByRole('button', { name: 'Export…' }).isDisabled(), 'a merged export is not offered');
      // Only the level (as written) can still be exported.
      await dialog.getByLabel(/Only the environment level/).check();
      await banner.waitFor({ state: 'detached' });
      expect(await dialog.getByRole('button', { name: 'Export…' }).isEnabled(), 'a level export is offered');
      // …but not in another format: the text would have to be parsed.
      await dialog.getByLabel('Format').selectOption('json');
      await banner.filter({ hasText: 'it can be exported only as written: the env format, templates not resolved' }).waitFor();
      expect(await dialog.getByRole('button', { name: 'Export…' }).isDisabled(), 'a json export of the level is not offered');
      await dialog.getByLabel('Format').selectOption('env');
      await banner.waitFor({ state: 'detached' });
      await dialog.getByLabel(/Everything this environment gets/).check();
      await banner.waitFor();
      await shot(page, 'export_banner_refuses_a_merged_export_and_goes_to_the_line-dialog');
      await banner.getByRole('button', { name: 'Go to line 2' }).click();
      await dialog.waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'OOPS: here');
      expect((await cursor(page)).focused, 'the editor has the focus');
      return page;
    },

    async problems_list_shows_every_error_and_lint_with_links() {
      const text = 'DB=prod-db\nA: 1\nGREETING=hello world\nB: 2\nC=ok\nD: 3\n';
      const { page } = await open(project + production(text));
      await openEnv(page);
      const list = page.getByRole('region', { name: 'Problems' });
      await list.getByText('3 errors, 1 warning').waitFor();
      const items = (await list.getByRole('listitem').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
      const parse = 'expected “=” between key and value, found “:”';
      const want = [`✖ error: Line 2:2 ${parse}`, '▲ warning: Line 3 unquoted whitespace', `✖ error: Line 4:2 ${parse}`, `✖ error: Line 6:2 ${parse}`];
      expect(JSON.stringify(items) === JSON.stringify(want), JSON.stringify(items));
      // Each is a link to its line.
      await list.getByRole('button', { name: /Line 4/ }).click();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'B: 2');
      expect((await cursor(page)).focused, 'the editor has the focus');
      await list.getByRole('button', { name: /Line 3/ }).click();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'GREETING=hello world');
      // From the table view too: the link shows the text.
      await page.getByRole('button', { name: 'table' }).click();
      await list.getByRole('button', { name: /Line 6/ }).click();
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent === 'D: 3');
      // Fixing a line updates the list as typed.
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.type('D=3');
      await list.getByText('2 errors, 1 warning').waitFor();
      return page;
    },

    async problems_list_in_the_dark_theme() {
      const text = 'DB=prod-db\nA: 1\nGREETING=hello world\nB: 2\nC=ok\nD: 3\n';
      const { page } = await open(project + production(text) + dark);
      await openEnv(page);
      const list = page.getByRole('region', { name: 'Problems' });
      await list.getByText('3 errors, 1 warning').waitFor();
      expect((await page.evaluate(() => document.documentElement.dataset.theme)) === 'dark', 'dark theme');
      // Readable: the message is in the text colour, not a pale tooltip.
      const colour = await list.locator('.msg').first().evaluate((e) => getComputedStyle(e).color);
      expect(colour === 'rgb(228, 231, 236)', colour);
      // The editor's tooltip (kept for the mouse) is in the theme's colours too.
      await page.locator('.cm-line', { hasText: 'A: 1' }).hover({ position: { x: 16, y: 5 } });
      const tip = page.locator('.cm-tooltip-hover');
      await tip.waitFor();
      const style = await tip.evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
      expect(JSON.stringify(style) === JSON.stringify(['rgb(37, 42, 52)', 'rgb(228, 231, 236)']), JSON.stringify(style));
      await shot(page, 'problems_list_in_the_dark_theme-tooltip');
      await page.mouse.move(600, 40);
      // A text without problems says so.
      await page.getByRole('tab', { name: 'project' }).click();
      await list.getByText('No problems').waitFor();
      await page.getByRole('tab', { name: 'environment' }).click();
      await list.getByText('3 errors, 1 warning').waitFor();
      return page;
    },
  };
};
