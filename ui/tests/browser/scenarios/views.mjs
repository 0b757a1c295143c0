// The data flow for large views (issue 14, part 4): the node comes with one level's text and no merged
// rows; the merged table asks for the rows in view (and filters in Rust); another level's text is asked
// for when the user switches to it; the live merge of an edit is computed on the Rust side; a view
// closed in Rust (a lock) makes the page read the node again.
export default (h) => {
  const { open, project, openEnv, expect } = h;

  /** app › backend › production with 3,000 keys at the target level. */
  const big = `${project}
    const b = window.__envdeskFake.state;
    b.levels['app/backend/'] = { text: Array.from({ length: 3000 }, (_, i) => 'K' + String(i).padStart(4, '0') + '=v' + i).join('\\n') + '\\n', revision: 1 };
  `;
  const calls = (page, cmd) => page.evaluate((cmd) => window.__envdeskFake.state.calls.filter((c) => c.cmd === cmd).map((c) => c.args), cmd);
  const table = (page) => page.locator('[data-testid=merged-table]').last();

  return {
    async merged_rows_are_asked_for_as_they_come_into_view() {
      const { page } = await open(big);
      await openEnv(page);
      await page.getByRole('tab', { name: 'Merged' }).click();
      await table(page).locator('tbody tr[data-key="K0000"]').waitFor({ timeout: 5000 }).catch(async (e) => { throw new Error(e.message + " " + JSON.stringify(await calls(page, "merged_rows")) + (await table(page).evaluate((t) => t.outerHTML.slice(0, 600)))); });
      expect((await table(page).getAttribute('data-total')) === '3002', 'all keys counted: ' + (await table(page).getAttribute('data-total')));
      const rendered = await table(page).locator('tbody tr[data-key]').count();
      expect(rendered > 10 && rendered < 120, `only the rows in view are rendered: ${rendered}`);
      // The first rows came with the node (one request), a window, not the whole result.
      const nodes = await calls(page, 'read_node');
      expect(nodes.length >= 1 && nodes.every((a) => a.rows > 0 && a.rows <= 400), 'the first rows with the node: ' + JSON.stringify(nodes));
      expect((await calls(page, 'merged_rows')).every((a) => a.limit <= 400), 'windows only');
      // Scrolled to the end: the last rows are asked for and shown.
      await table(page).evaluate((t) => {
        const wrap = t.closest('.wrap');
        wrap.scrollTop = wrap.scrollHeight;
        wrap.dispatchEvent(new Event('scroll'));
      });
      await table(page).locator('tbody tr[data-key="K2999"]').waitFor();
      const later = (await calls(page, 'merged_rows')).filter((a) => !a.live).at(-1);
      expect(later.offset > 2500, 'asked from near the end: ' + JSON.stringify(later));
      expect((await table(page).locator('tbody tr[data-key="DB"]').count()) === 0, 'the first rows left the page');
      // The filter runs in Rust.
      await page.getByRole('searchbox', { name: 'Filter keys' }).fill('k299');
      // Rows of the last answer stay until the filtered one comes (no flicker): wait for that one.
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=merged-table]')].at(-1).dataset.total === '10', null, { timeout: 5000 }).catch(async (e) => {
        throw new Error(e.message + ' ' + JSON.stringify((await calls(page, 'merged_rows')).slice(-3)) + ' total=' + (await table(page).getAttribute('data-total')));
      });
      await table(page).locator('tbody tr[data-key="K2990"]').waitFor();
      expect((await table(page).locator('tbody tr[data-key]').count()) === 10, 'K2990 to K2999');
      expect((await calls(page, 'merged_rows')).at(-1).filter === 'k299', 'filter sent');
      return page;
    },

    async another_levels_text_is_asked_for_when_shown() {
      const { page } = await open(big);
      await openEnv(page);
      const node = await page.evaluate(() => {
        const f = window.__envdeskFake;
        return [...f.views.values()].at(-1);
      });
      expect(node && node.node.levels.length === 3, 'a view was opened');
      expect((await calls(page, 'level_text')).length === 0, 'no other level asked for at first');
      await page.getByRole('tab', { name: 'target' }).click();
      await page.locator('.cm-content').filter({ hasText: 'K0000=v0' }).waitFor();
      const asked = await calls(page, 'level_text');
      expect(asked.length === 1 && asked[0].level === 'target', JSON.stringify(asked));
      // Back and forth asks nothing more.
      await page.getByRole('tab', { name: 'environment' }).click();
      await page.getByRole('tab', { name: 'target' }).click();
      await page.locator('.cm-content').filter({ hasText: 'K0000=v0' }).waitFor();
      expect((await calls(page, 'level_text')).length === 1, 'the text is kept while the node is shown');
      return page;
    },

    async the_live_merge_comes_from_rust_while_typing() {
      const { page } = await open(project);
      await openEnv(page);
      const live = page.locator('[data-testid=merged-table]').last();
      await live.locator('tbody tr[data-key="DB"]').waitFor();
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('LOG=mine\nNEW_KEY=1\n');
      await live.locator('tbody tr[data-key="NEW_KEY"]').waitFor();
      const src = await live.locator('tbody tr[data-key="LOG"] [data-testid=source]').textContent();
      expect(src === 'environment', 'LOG now comes from the edited level: ' + src);
      const edits = await calls(page, 'edit_view');
      expect(edits.at(-1).text.includes('NEW_KEY=1') && edits.at(-1).level === 'environment', JSON.stringify(edits.at(-1)));
      // The Merged tab shows the saved result meanwhile.
      await page.getByRole('tab', { name: 'Merged' }).click();
      await table(page).locator('tbody tr[data-key="DB"]').waitFor();
      expect((await table(page).locator('tbody tr[data-key="NEW_KEY"]').count()) === 0, 'unsaved keys are not in the saved result');
      return page;
    },

    async a_view_closed_in_rust_is_read_again() {
      const { page } = await open(project);
      await openEnv(page);
      const reads = (await calls(page, 'read_node')).length;
      // The view is dropped on the Rust side (as after too many newer views).
      await page.evaluate(() => window.__envdeskFake.views.clear());
      await page.getByRole('tab', { name: 'Merged' }).click();
      // The first rows came with the node; a filter asks the (closed) view.
      await page.getByRole('searchbox', { name: 'Filter keys' }).fill('db');
      await table(page).locator('tbody tr[data-key="DB"]').waitFor();
      await page.waitForFunction((n) => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'read_node').length > n, reads);
      expect((await calls(page, 'read_node')).length > reads, 'the node was read again');
      expect((await page.locator('.toast.error').count()) === 0, 'no error shown for it');
      return page;
    },
  };
};
