// The tree by keyboard and its filter (issue 13, item 12): one tab stop with the arrow keys inside (the
// WAI-ARIA tree pattern), F2 renames and Delete asks to delete the focused node (the dialogs of ✎ and ✕),
// the focus looks different from the selection; the filter matches projects, targets and environments,
// keeps the ancestors of a match (expanding them), says when nothing matches and what it has not searched.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export default (h) => {
  const { open, project, expect, shots } = h;

  /** The serious and critical axe violations (WCAG 2.1 A and AA) of the page as it is. */
  async function axe(page, screen) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] }));
    const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.length === 0, `${screen}: ` + bad.map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; '));
  }

  /** The focused element: its text and whether it is in the tree. */
  const focused = (page) =>
    page.evaluate(() => {
      const el = document.activeElement;
      return { text: el?.textContent?.trim() ?? '', inTree: !!el?.closest('[role=tree]'), label: el?.getAttribute('aria-label') ?? '' };
    });

  /** The visible tree, one line per node, indented by level. */
  const visible = (page) =>
    page.locator('[role=tree] li[role=treeitem]').evaluateAll((lis) =>
      lis.map((li) => {
        let depth = 0;
        for (let p = li.parentElement.closest('li[role=treeitem]'); p; p = p.parentElement.closest('li[role=treeitem]')) depth++;
        return '  '.repeat(depth) + li.querySelector(':scope > .row > button.name').textContent.trim();
      }),
    );

  /** How a row looks: its outline (the focus) and background (the selection). */
  const looks = (page, name) =>
    page.getByRole('button', { name, exact: true }).evaluate((b) => {
      const row = getComputedStyle(b.closest('.row'));
      return { outline: row.outlineStyle === 'none' ? 'none' : `${row.outlineWidth} ${row.outlineStyle}`, background: row.backgroundColor, bar: row.boxShadow };
    });

  const two = `
    const f2 = window.__envdeskFake.state;
    f2.projects.push({ id: 'Pweb', slug: 'web', name: 'web', managed: 'server', has_secrets: true, children: 1, status: null });
    f2.targets.web = [{ id: 'Tf', slug: 'frontend', name: 'frontend', managed: null, has_secrets: null, children: 1, status: null }];
    f2.envs['web/frontend'] = [{ id: 'Eq', slug: 'qa', name: 'qa', managed: null, has_secrets: null, children: null, status: 'development' }];
  `;

  return {
    async tree_is_one_tab_stop_with_f2_and_delete() {
      const { page } = await open(project + two);
      await page.getByRole('button', { name: 'Expand app' }).click();
      await page.getByRole('button', { name: 'Expand backend' }).click();
      await page.getByRole('button', { name: 'production', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');

      // Exactly one control of the tree is in the tab order: the selected node.
      const stops = await page.locator('[role=tree] button').evaluateAll((bs) => bs.filter((b) => b.tabIndex >= 0).map((b) => b.textContent.trim()));
      expect(JSON.stringify(stops) === '["production"]', 'one tab stop, the selected node: ' + JSON.stringify(stops));
      await page.getByLabel('Filter the tree').focus();
      await page.keyboard.press('Tab');
      let f = await focused(page);
      expect(f.inTree && f.text === 'production', 'Tab from the filter lands on the selected node: ' + JSON.stringify(f));
      await page.keyboard.press('Tab');
      f = await focused(page);
      expect(!f.inTree && f.text === '+ New project', 'the next Tab leaves the tree (no ✎, ✕, ▸ or + stops): ' + JSON.stringify(f));
      await page.keyboard.press('Shift+Tab');
      expect((await focused(page)).text === 'production', 'Shift+Tab comes back to the node');

      // The arrows move, and the tab stop moves with the focus.
      await page.keyboard.press('ArrowDown');
      expect((await focused(page)).text === 'staging', 'down to staging');
      await page.keyboard.press('ArrowDown');
      expect((await focused(page)).text === '+ environment', 'down to the "+ environment" row');
      await page.keyboard.press('ArrowLeft');
      expect((await focused(page)).text === 'backend', 'left from "+ environment" goes to its target');
      await page.keyboard.press('Home');
      expect((await focused(page)).text === 'app', 'Home: the first node');
      await page.keyboard.press('w');
      expect((await focused(page)).text === 'web', 'typing a letter goes to the next node starting with it');
      await page.keyboard.press('End');
      expect((await focused(page)).text === 'web', 'End: the last node (not a + row)');
      await page.keyboard.press('ArrowUp');
      await page.keyboard.press('ArrowUp');
      expect((await focused(page)).text === '+ environment', 'up to "+ environment"');
      await page.keyboard.press('ArrowUp');
      expect((await focused(page)).text === 'staging', 'up to staging');
      const now = await page.locator('[role=tree] button').evaluateAll((bs) => bs.filter((b) => b.tabIndex >= 0).map((b) => b.textContent.trim()));
      expect(JSON.stringify(now) === '["staging"]', 'the tab stop follows the focus: ' + JSON.stringify(now));

      // F2 renames the focused node (not the selected one), with the dialog of ✎; Esc gives the focus back.
      await page.keyboard.press('F2');
      const rename = page.getByRole('dialog', { name: 'Rename app › backend › staging' });
      await rename.waitFor();
      expect((await rename.getByLabel('Name').inputValue()) === 'staging', 'the name to edit');
      await page.keyboard.press('Escape');
      await rename.waitFor({ state: 'detached' });
      expect((await focused(page)).text === 'staging', 'Esc gives the focus back to the node');

      // Delete asks to delete it, with the dialog of ✕.
      await page.keyboard.press('Delete');
      const del = page.getByRole('dialog', { name: 'Delete app › backend › staging' });
      await del.waitFor();
      expect(await del.getByRole('button', { name: 'Delete' }).isDisabled(), 'nothing is deleted before the name is typed');
      await page.keyboard.press('Escape');
      await del.waitFor({ state: 'detached' });
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'delete_node').length);
      expect(calls === 0, 'Delete only asked');

      // Deleted by keyboard, the node is gone and the focus is back in the tree, not lost.
      await page.getByRole('button', { name: 'web', exact: true }).focus();
      await page.keyboard.press('Delete');
      const delWeb = page.getByRole('dialog', { name: 'Delete web' });
      await delWeb.waitFor();
      await delWeb.getByLabel('Type the name to confirm').fill('web');
      await delWeb.getByRole('button', { name: 'Delete' }).click();
      await delWeb.waitFor({ state: 'detached' });
      await page.getByRole('button', { name: 'web', exact: true }).waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.activeElement?.closest('[role=tree]'));
      f = await focused(page);
      expect(f.inTree && f.text === 'app', 'after the deletion the focus is on the first node: ' + JSON.stringify(f));
      // (Deleting cleared the selection: production is opened again.)
      await page.getByRole('button', { name: 'production', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      await page.getByRole('button', { name: 'production', exact: true }).focus();
      await page.keyboard.press('ArrowDown');

      // Focus and selection look different: the focused row has a ring, the selected one a fill and a bar.
      const sel = await looks(page, 'production');
      const foc = await looks(page, 'staging');
      expect(sel.outline === 'none' && sel.background !== 'rgba(0, 0, 0, 0)' && sel.bar !== 'none', 'the selection: a fill and a bar, no ring: ' + JSON.stringify(sel));
      expect(foc.outline === '2px solid' && foc.background === 'rgba(0, 0, 0, 0)' && foc.bar === 'none', 'the focus: a ring only: ' + JSON.stringify(foc));

      // Enter opens the focused node.
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('[role=treeitem][aria-selected=true] > .row .name')?.textContent.trim() === 'staging');
      await axe(page, 'tree with focus and selection');
      // Focus on backend with staging selected, for the screenshot: the ring beside the selection.
      await page.keyboard.press('ArrowLeft');
      expect((await focused(page)).text === 'backend', 'left from a leaf to its target');
      return page;
    },

    async tree_filter_matches_every_level() {
      const { page } = await open(project + two);
      // Everything loaded once, then collapsed again: the filter searches what is loaded.
      for (const n of ['app', 'backend', 'web', 'frontend']) await page.getByRole('button', { name: `Expand ${n}` }).click();
      for (const n of ['backend', 'app', 'frontend', 'web']) await page.getByRole('button', { name: `Collapse ${n}` }).click();

      // An environment: its target and project show, expanded; its siblings and other projects do not.
      await page.getByLabel('Filter the tree').fill('stag');
      await page.getByRole('button', { name: 'staging', exact: true }).waitFor();
      let tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['app', '  backend', '    staging']), 'an environment matches: ' + JSON.stringify(tree));
      expect((await page.locator('[role=tree] mark').allTextContents()).join() === 'stag', 'the match is marked');
      // A target: its project shows, and everything under the target.
      await page.getByLabel('Filter the tree').fill('front');
      await page.getByRole('button', { name: 'frontend', exact: true }).waitFor();
      tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['web', '  frontend']), 'a target matches: ' + JSON.stringify(tree));
      // A project by its name, as before.
      await page.getByLabel('Filter the tree').fill('we');
      await page.waitForFunction(() => !document.querySelector('[role=tree]').textContent.includes('app'));
      tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['web', '  frontend']), 'a project matches, with all under it: ' + JSON.stringify(tree));
      // Down from the filter goes into the tree.
      await page.getByLabel('Filter the tree').press('ArrowDown');
      expect((await focused(page)).text === 'web', 'ArrowDown from the filter focuses the first match');

      // Over every level: "qa" is found, and "production" under two collapsed levels.
      await page.getByLabel('Filter the tree').fill('prod');
      await page.getByRole('button', { name: 'production', exact: true }).waitFor();
      tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['app', '  backend', '    production']), 'production found: ' + JSON.stringify(tree));
      await axe(page, 'filtered tree');
      // Collapsed by hand while filtering, it stays collapsed.
      await page.getByRole('button', { name: 'Collapse backend' }).click();
      await page.waitForTimeout(100);
      tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['app', '  backend']), 'collapsed by hand stays collapsed: ' + JSON.stringify(tree));
      // Clearing the filter shows the whole tree again (what the filter opened stays open).
      await page.getByLabel('Filter the tree').fill('');
      await page.getByRole('button', { name: 'web', exact: true }).waitFor();
      tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['app', '  backend', 'web', '  frontend']), 'the whole tree again: ' + JSON.stringify(tree));
      await page.getByLabel('Filter the tree').fill('qa');
      await page.getByRole('button', { name: 'qa', exact: true }).waitFor();
      return page;
    },

    async tree_filter_says_no_matches_and_what_it_has_not_searched() {
      const { page } = await open(project + two);
      // Nothing is loaded below the projects: the filter says so and offers to search inside.
      await page.getByLabel('Filter the tree').fill('qa');
      await page.getByText('No matches for “qa”').waitFor();
      const status = await page.getByRole('status').filter({ hasText: 'No matches' }).textContent();
      expect(status.includes('not yet the contents of 2 projects'), 'says what it did not search: ' + status);
      await page.screenshot({ path: join(shots, 'tree_filter_not_searched.png') });
      await page.getByRole('button', { name: 'Search inside them too' }).click();
      await page.getByRole('button', { name: 'qa', exact: true }).waitFor();
      let tree = await visible(page);
      expect(JSON.stringify(tree) === JSON.stringify(['web', '  frontend', '    qa']), 'found after searching inside: ' + JSON.stringify(tree));
      expect((await page.getByText('No matches').count()) === 0, 'no "no matches" any more');
      expect((await focused(page)).label === 'Filter the tree', 'the focus goes back to the filter');
      // What was opened only to be searched and holds no match is closed again.
      await page.getByLabel('Filter the tree').fill('');
      await page.getByRole('button', { name: 'Expand app' }).waitFor();

      // Nothing matches at any level: said in words, in a live region, and the tree is empty.
      await page.getByLabel('Filter the tree').fill('zzz');
      await page.getByText('No matches for “zzz”').waitFor();
      tree = await visible(page);
      expect(tree.length === 0, 'nothing shown: ' + JSON.stringify(tree));
      expect((await page.getByRole('button', { name: 'Search inside them too' }).count()) === 0, 'everything is loaded: nothing more to search');
      await axe(page, 'no matches');
      return page;
    },
  };
};
