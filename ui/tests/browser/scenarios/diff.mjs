// The Diff tab (issue 13, items 5 and 7): it opens on two environments of one target (production ↔
// staging), offers every source once, lists each key once in groups named after the sides, remembers
// the pair chosen, has a split the keyboard resizes, one masking rule for the table and the text, reads
// the diff again after every write, and writes across as "set in production" — asking first for an
// environment marked production, and offering Undo.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export default (h) => {
  const { open, openEnv, project, expect, shots } = h;
  const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });

  const tab = async (page) => {
    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.waitForSelector('[data-testid=merge-view] .cm-mergeView');
  };
  const summary = async (page, text) => {
    try {
      await page.getByTestId('diff-summary').filter({ hasText: text }).waitFor({ timeout: 10000 });
    } catch {
      throw new Error(`the summary never said "${text}"; it says "${await page.getByTestId('diff-summary').textContent().catch(() => 'nothing')}"`);
    }
  };
  const chosen = (page, side) => page.getByLabel(side).evaluate((s) => s.selectedOptions[0]?.textContent);
  const level = (page, env) => page.evaluate((e) => window.__envdeskFake.state.levels[`app/backend/${e}`], env);
  /** The key list as `group:key` (groups as heading rows `#group`). */
  const list = (page) =>
    page.locator('[aria-label="Key-wise differences"] tbody tr[data-group]').evaluateAll((trs) => trs.map((tr) => (tr.dataset.key ? `${tr.dataset.group}:${tr.dataset.key}` : `#${tr.dataset.group}`)));
  const paneText = (page) => page.locator('[data-testid=merge-view] .cm-content').evaluateAll((els) => els.map((e) => e.textContent));

  /** Serious and critical axe findings (WCAG 2.1 A/AA) on the page as it is, one line each. */
  async function audit(page, screen) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    await page.waitForTimeout(60);
    const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] }));
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${screen}: ${v.id} at ${n.target.join(' ')}`));
  }

  return {
    async diff_writes_wait_for_unsaved_text_and_ask_for_production_below() {
      const { page } = await open(project);
      await openEnv(page);
      // Unsaved text in production's own level: a write across would be lost or lose it; refused.
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('MINE=typed\n');
      await tab(page);
      await page.getByRole('button', { name: 'Set in production: ONLY_STAGING' }).click();
      await page.getByTestId('diff-said').filter({ hasText: 'Production has unsaved changes in the editor' }).waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'no question: nothing is written');
      expect((await level(page, 'production')).revision === 1, 'nothing written');
      // The target level: not itself production, but production gets what it holds — asked first.
      await page.getByLabel('Left side').selectOption({ label: 'backend (merged)' });
      await page.getByRole('button', { name: 'Set in backend: ONLY_STAGING' }).click();
      const ask = page.getByRole('dialog', { name: 'Set ONLY_STAGING in backend?' });
      await ask.waitFor();
      expect((await ask.textContent()).includes('This changes what production gets, marked as production.'), await ask.textContent());
      await ask.getByRole('button', { name: 'Cancel' }).click();
      expect((await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/'].text)) === 'LOG=debug\n', 'nothing written on Cancel');
      return page;
    },

    async diff_masked_pane_copies_nothing() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      await page.locator('[data-testid=merge-view][data-built]:not([data-built="0"])').waitFor();
      // What a copy puts on the clipboard, as the page sees it once CodeMirror has handled the event.
      await page.evaluate(() => document.addEventListener('copy', (e) => void (window.__copy = e.defaultPrevented ? e.clipboardData.getData('text/plain') : String(document.getSelection()))));
      const pane = page.locator('[data-testid=merge-view] .cm-content').first();
      // Lines selected with the mouse are CodeMirror's selection: its copy puts the document's text
      // (the real one, under the dots) on the clipboard unless the pane refuses.
      const copy = async () => {
        await page.evaluate(() => void (window.__copy = 'no copy event'));
        const lines = pane.locator('.cm-line');
        const from = await lines.first().boundingBox();
        const to = await lines.nth(1).boundingBox();
        await page.mouse.move(from.x + 2, from.y + from.height / 2);
        await page.mouse.down();
        await page.mouse.move(to.x + to.width - 2, to.y + to.height / 2, { steps: 5 });
        await page.mouse.up();
        await page.keyboard.press('Control+c');
        return page.evaluate(() => window.__copy);
      };
      const first = await copy();
      expect(!first.includes('prod-db') && !first.includes('stage-db'), 'masked: the real text under the dots is not copied: ' + first);
      await page.getByLabel('Show values').check();
      await page.locator('[data-testid=merge-view][data-masked=false]').waitFor();
      const second = await copy();
      expect(second.includes('DB=prod-db'), 'values shown: copying works: ' + second);
      return page;
    },

    async diff_opens_on_two_environments_each_key_once() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      // The selected environment against its sibling, both merged; no note (it is the intended pair).
      expect((await chosen(page, 'Left side')) === 'production (merged)', 'left: ' + (await chosen(page, 'Left side')));
      expect((await chosen(page, 'Right side')) === 'staging (merged)', 'right: ' + (await chosen(page, 'Right side')));
      expect((await page.getByTestId('diff-note').count()) === 0, 'no note for two environments');
      await summary(page, '0 only in production · 1 only in staging · 1 different · 1 same');
      // One list, each key once, in its group; the groups' words are the summary's.
      expect(JSON.stringify(await list(page)) === JSON.stringify(['#only-b', 'only-b:ONLY_STAGING', '#different', 'different:DB']), JSON.stringify(await list(page)));
      const heads = await page.locator('tr.group th').allTextContents();
      expect(JSON.stringify(heads) === JSON.stringify(['Only in staging (1)', 'Different (1)']), JSON.stringify(heads));
      await page.getByLabel('only differences').uncheck();
      expect(JSON.stringify(await list(page)) === JSON.stringify(['#only-b', 'only-b:ONLY_STAGING', '#different', 'different:DB', '#same', 'same:LOG']), JSON.stringify(await list(page)));
      // The columns and the text panes are named as the pickers are.
      const cols = await page.locator('[aria-label="Key-wise differences"] thead th').allTextContents();
      expect(cols[1] === 'Production' && cols[3] === 'Staging', JSON.stringify(cols));
      const panes = await page.locator('[data-testid=merge-view] .cm-content').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      expect(JSON.stringify(panes) === JSON.stringify(['Left: production (merged)', 'Right: staging (merged)']), JSON.stringify(panes));
      // Every source once, grouped: no level offered twice under two names, no project "merged".
      const offered = await page.getByLabel('Left side').evaluate((s) => [...s.querySelectorAll('optgroup')].map((g) => `${g.label}: ${[...g.querySelectorAll('option')].map((o) => o.textContent).join(', ')}`));
      expect(
        JSON.stringify(offered) ===
          JSON.stringify([
            'Environments (everything each one gets, merged): production (merged), staging (merged)',
            'Targets (project and target, merged): backend (merged)',
            'Levels (one file, as written): project level (app), target level (backend), environment level (production), environment level (staging)',
          ]),
        JSON.stringify(offered),
      );
      // From the target, too, two environments; from staging, staging first.
      await page.getByRole('button', { name: 'backend', exact: true }).click();
      await page.getByRole('heading', { name: 'app › backend', exact: true }).waitFor();
      await tab(page);
      expect((await chosen(page, 'Left side')) === 'production (merged)' && (await chosen(page, 'Right side')) === 'staging (merged)', 'the target opens on its two environments');
      await page.getByRole('button', { name: 'staging', exact: true }).click();
      await page.getByRole('heading', { name: 'app › backend › staging' }).waitFor();
      await page.waitForFunction(() => document.querySelector('select[aria-label="Left side"]')?.selectedOptions[0]?.textContent === 'staging (merged)');
      expect((await chosen(page, 'Right side')) === 'production (merged)', 'staging against production');
      return page;
    },

    async diff_with_one_environment_says_why() {
      const { page } = await open(project + `window.__envdeskFake.state.envs['app/backend'].pop();`);
      await openEnv(page);
      await tab(page);
      expect((await chosen(page, 'Left side')) === 'production (merged)' && (await chosen(page, 'Right side')) === 'backend (merged)', 'production against its target');
      const note = await page.getByTestId('diff-note').textContent();
      expect(note.includes('backend has one environment (production)') && note.includes('Add an environment'), note);
      return page;
    },

    async diff_remembers_the_pair_chosen() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      await page.getByLabel('Right side').selectOption({ label: 'environment level (staging)' });
      await summary(page, '1 only in production');
      // Leave the tab and come back: the pair is the one chosen.
      await page.getByRole('tab', { name: 'Levels' }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      await tab(page);
      expect((await chosen(page, 'Right side')) === 'environment level (staging)', 'after the tab: ' + (await chosen(page, 'Right side')));
      expect((await chosen(page, 'Left side')) === 'production (merged)', 'left kept');
      // Another node of the project, and the app opened again: still the pair chosen.
      await page.getByRole('button', { name: 'staging', exact: true }).click();
      await page.getByRole('heading', { name: 'app › backend › staging' }).waitFor();
      await page.waitForSelector('[data-testid=merge-view] .cm-mergeView');
      expect((await chosen(page, 'Right side')) === 'environment level (staging)' && (await chosen(page, 'Left side')) === 'production (merged)', 'kept on another node');
      await page.reload();
      await page.waitForSelector('.shell');
      await openEnv(page);
      await tab(page);
      expect((await chosen(page, 'Right side')) === 'environment level (staging)', 'after a restart: ' + (await chosen(page, 'Right side')));
      // Only slugs are kept, never a value.
      const stored = await page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(localStorage))));
      expect(stored.includes('staging') && !stored.includes('stage-db') && !stored.includes('prod-db'), stored);
      // Swap changes sides (and is remembered too).
      await page.getByRole('button', { name: 'Swap sides' }).click();
      expect((await chosen(page, 'Left side')) === 'environment level (staging)', 'swapped');
      // A level is written into by the name of its node ("set in staging"), as a merged side is.
      await summary(page, '1 only in environment level (staging) · 1 only in production · 1 different');
      expect((await page.getByRole('button', { name: 'Set in staging: DB' }).textContent()).trim() === '← set in staging', 'named after the node');
      return page;
    },

    async diff_split_resizes_by_keyboard() {
      const { page } = await open(project + `window.__envdeskFake.state.levels['app/backend/staging'].text = Array.from({ length: 30 }, (_, i) => 'K' + i + '=v' + i).join('\\n') + '\\n';`);
      await openEnv(page);
      await tab(page);
      await summary(page, '30 only in staging');
      const keys = page.locator('#diff-keys');
      const sep = page.getByRole('separator', { name: 'Resize the key table and the text diff' });
      const now = async () => Number(await sep.getAttribute('aria-valuenow'));
      const tall = async () => (await keys.boundingBox()).height;
      // Not squeezed: the table shows many rows at first.
      const rows = Math.floor((await tall()) / 30);
      expect(rows >= 7, `the key table shows ${rows} rows`);
      expect((await sep.getAttribute('aria-orientation')) === 'horizontal', 'orientation');
      const start = await now();
      const h0 = await tall();
      // Reached by Tab (after the last control before it) and shows its focus.
      // (The table renders the rows in view: scrolled to its end first.)
      await keys.evaluate((el) => {
        el.scrollTop = el.scrollHeight;
        el.dispatchEvent(new Event('scroll'));
      });
      await page.locator('tr[data-key=K29] button').last().focus();
      for (let i = 0; i < 8 && !(await sep.evaluate((el) => el === document.activeElement)); i++) await page.keyboard.press('Tab');
      expect(await sep.evaluate((el) => el === document.activeElement), 'Tab reaches the separator');
      expect(await sep.evaluate((el) => getComputedStyle(el).outlineStyle !== 'none'), 'the separator shows its focus');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('ArrowDown');
      expect((await now()) === start + 10, `down twice: ${await now()}`);
      expect((await tall()) > h0 + 30, 'the table grew');
      await page.keyboard.press('ArrowUp');
      expect((await now()) === start + 5, 'up');
      await page.keyboard.press('Home');
      expect((await now()) === 15, 'Home: the smallest table');
      await page.keyboard.press('End');
      expect((await now()) === 85, 'End: the largest table');
      // The text diff keeps a share of the height, and the position is remembered.
      expect((await page.getByTestId('merge-view').boundingBox()).height > 40, 'the text diff stays');
      await page.getByRole('tab', { name: 'Merged' }).click();
      await tab(page);
      expect((await now()) === 85, 'remembered');
      return page;
    },

    async diff_masks_values_in_both_halves_until_shown() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      await summary(page, '1 different');
      const cells = () => page.locator('tr[data-key=DB] [data-testid=value]').allTextContents();
      // Masked in the table and in the text, the same way.
      expect(JSON.stringify(await cells()) === JSON.stringify(['••••••••', '••••••••']), JSON.stringify(await cells()));
      let panes = await paneText(page);
      expect(panes.every((t) => !t.includes('prod-db') && !t.includes('stage-db') && t.includes('DB=••••••••')), JSON.stringify(panes));
      // The differing line is still marked on the real text.
      expect((await page.locator('[data-testid=merge-view] .cm-changedLine').count()) > 0, 'changed lines marked while masked');
      // One switch shows both halves…
      await page.getByLabel('Show values').check();
      expect(JSON.stringify(await cells()) === JSON.stringify(['prod-db', 'stage-db']), JSON.stringify(await cells()));
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=merge-view] .cm-content')].some((e) => e.textContent.includes('DB=prod-db')));
      panes = await paneText(page);
      expect(panes[0].includes('DB=prod-db') && panes[1].includes('DB=stage-db'), JSON.stringify(panes));
      await shot(page, 'diff_masks_values_in_both_halves_until_shown-shown');
      // …and hides both again; there is no per-value reveal to make them disagree.
      await page.getByLabel('Show values').uncheck();
      expect(JSON.stringify(await cells()) === JSON.stringify(['••••••••', '••••••••']), 'hidden again');
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=merge-view] .cm-content')].every((e) => !e.textContent.includes('prod-db') && !e.textContent.includes('stage-db')));
      expect((await page.locator('[aria-label="Key-wise differences"]').getByRole('button', { name: /^Reveal/ }).count()) === 0, 'no per-value reveal');
      return page;
    },

    async diff_reads_again_after_an_import_and_a_save() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      await summary(page, '0 only in production');
      // An import into production from the Diff tab: the list shows it without leaving the tab.
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByRole('button', { name: 'Choose a .env or JSON file…' }).click();
      await page.getByTestId('import-summary').waitFor();
      await page.getByRole('button', { name: 'Merge and save' }).click();
      await page.getByText(/Imported 2 keys/).waitFor();
      await summary(page, '1 only in production');
      expect((await list(page)).includes('only-a:IMPORTED'), JSON.stringify(await list(page)));
      // A save (Ctrl+S of text edited in the Levels tab, pressed on the Diff tab): read again too.
      await page.getByRole('tab', { name: 'Levels' }).click();
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('SAVED_HERE=1\n');
      await tab(page);
      await summary(page, '1 only in production');
      await page.keyboard.press('Control+s');
      await page.getByText(/Saved environment level/).waitFor();
      await summary(page, '2 only in production');
      expect((await list(page)).includes('only-a:SAVED_HERE'), JSON.stringify(await list(page)));
      return page;
    },

    async diff_set_in_production_asks_and_undo_restores() {
      const { page } = await open(project);
      await openEnv(page);
      await tab(page);
      await summary(page, '1 only in staging');
      const setProd = page.getByRole('button', { name: 'Set in production: ONLY_STAGING' });
      expect((await setProd.textContent()).trim() === '← set in production', 'named for what it does: ' + (await setProd.textContent()));
      // Production is marked production: it asks first; Cancel writes nothing.
      await setProd.click();
      const ask = page.getByRole('dialog', { name: 'Set ONLY_STAGING in production?' });
      await ask.waitFor();
      expect((await ask.textContent()).includes('marked as a production environment'), await ask.textContent());
      await ask.getByRole('button', { name: 'Cancel' }).click();
      await ask.waitFor({ state: 'detached' });
      expect((await level(page, 'production')).revision === 1, 'nothing written on Cancel');
      // Confirmed: written and saved; the bar says so with the revision, and offers Undo.
      await setProd.click();
      await ask.getByRole('button', { name: 'Set in production' }).click();
      const said = page.getByTestId('diff-said');
      await said.filter({ hasText: 'Set ONLY_STAGING in production (revision 2).' }).waitFor();
      let prod = await level(page, 'production');
      expect(prod.text === 'DB=prod-db\nONLY_STAGING=1\n' && prod.revision === 2, JSON.stringify(prod));
      await summary(page, '0 only in staging');
      await shot(page, 'diff_set_in_production_asks_and_undo_restores-written');
      // Undo: the text before, saved on top of revision 2.
      await said.getByRole('button', { name: 'Undo' }).click();
      await said.filter({ hasText: 'Undone: ONLY_STAGING in production is as it was before (revision 3).' }).waitFor();
      prod = await level(page, 'production');
      expect(prod.text === 'DB=prod-db\n' && prod.revision === 3, JSON.stringify(prod));
      await summary(page, '1 only in staging');
      // Staging (development) is written without a question; an undo after someone else's save is refused.
      await page.getByRole('button', { name: 'Set in staging: DB' }).click();
      await said.filter({ hasText: 'Set DB in staging (revision 2).' }).waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'no question for staging');
      expect((await level(page, 'staging')).text === 'DB=prod-db\nONLY_STAGING=1\n', JSON.stringify(await level(page, 'staging')));
      await page.evaluate(() => {
        const f = window.__envdeskFake;
        const l = f.state.levels['app/backend/staging'];
        f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'staging' }, text: l.text + 'OTHER=1\n', base_revision: l.revision });
      });
      await said.getByRole('button', { name: 'Undo' }).click();
      await said.filter({ hasText: 'Staging changed after that (now revision 3); undo would overwrite it, so nothing was changed.' }).waitFor();
      expect((await level(page, 'staging')).text === 'DB=prod-db\nONLY_STAGING=1\nOTHER=1\n', 'not overwritten');
      return page;
    },

    async diff_accessible_in_both_themes_after_a_write() {
      const found = [];
      let last;
      for (const theme of ['light', 'dark']) {
        const { page } = await open(project + `window.__envdeskFake.state.settings.theme = '${theme}';`);
        await openEnv(page);
        await tab(page);
        await summary(page, '1 only in staging');
        await page.getByLabel('only differences').uncheck();
        found.push(...(await audit(page, `${theme} diff, masked`)));
        await page.getByRole('button', { name: 'Set in production: ONLY_STAGING' }).click();
        await page.getByRole('dialog', { name: 'Set ONLY_STAGING in production?' }).waitFor();
        found.push(...(await audit(page, `${theme} question before writing into production`)));
        // The question's focus starts on Cancel (Enter does not write into production).
        expect(await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement), 'focus on Cancel');
        await page.getByRole('dialog').getByRole('button', { name: 'Set in production' }).click();
        await page.getByTestId('diff-said').getByRole('button', { name: 'Undo' }).waitFor();
        await page.getByLabel('Show values').check();
        found.push(...(await audit(page, `${theme} diff, written, values shown`)));
        if (last) await last.context().close();
        last = page;
      }
      expect(found.length === 0, found.join('\n'));
      return last;
    },
  };
};
