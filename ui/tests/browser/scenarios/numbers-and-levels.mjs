// Issue 13, items 8, 9 and 14: one number per level (the revision) in the status bar, the toasts and
// the history, with plurals in words; the history and the import dialog name and pick the level they
// act on; toasts clear the Save and Revert buttons; "saved at" only for a level saved in this session;
// the "Unsaved changes found" dialog offered once per draft, then a quiet marker.
export default (h) => {
  const { open, openEnv, project, expect, shots } = h;

  /** Saves a level behind the app's back (another device), as the fake's store does. */
  const saveBehind = (page, path, text) =>
    page.evaluate(([path, text]) => {
      const f = window.__envdeskFake;
      const k = [path.project, path.target ?? '', path.environment ?? ''].join('/');
      f.handlers.save_level({ path, text, base_revision: (f.state.levels[k] ?? { revision: 0 }).revision });
    }, [path, text]);
  const prod = { project: 'app', target: 'backend', environment: 'production' };
  const overlap = (a, b) => a && b && a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

  return {
    async one_number_per_level_in_status_toasts_and_history() {
      const { page } = await open(project);
      // Other levels first, so the version ids (global) run ahead of this level's revisions.
      await saveBehind(page, { project: 'app' }, 'LOG=info\n');
      await saveBehind(page, { project: 'app', target: 'backend' }, 'LOG=warn\n');
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('A=1\n');
      await page.keyboard.press('Control+s');
      await page.getByText('Saved environment level (revision 2).').waitFor();
      expect((await page.getByTestId('level-revision').textContent()) === 'Revision 2', 'the status bar says the same revision');
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByText('1 version', { exact: true }).waitFor();
      const rows = await page.getByTestId('version-number').allTextContents();
      expect(JSON.stringify(rows) === '["revision 2"]', 'history names the revision, not the id: ' + JSON.stringify(rows));
      await page.locator('.hist tbody tr button').first().click();
      expect((await page.getByTestId('version-title').textContent()) === 'Revision 2', 'detail titled by revision');
      const detail = await page.locator('.detail').innerText();
      expect(!/key v\d/.test(detail) && !detail.includes('key version'), 'no key version for the current key: ' + detail);
      await saveBehind(page, prod, 'DB=v3\n');
      await page.getByRole('tab', { name: 'Levels' }).click();
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByText('2 versions', { exact: true }).waitFor();
      await page.locator('.hist tbody tr').last().locator('button').click();
      await page.getByRole('button', { name: 'Restore', exact: true }).click();
      await page.getByRole('dialog', { name: 'Restore this version?' }).getByText('Revision 2 becomes the current content of the environment level of app › backend › production').waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Restore' }).click();
      await page.getByText('Revision 2 restored as revision 4.').waitFor();
      await page.getByTestId('version-number').first().filter({ hasText: 'revision 4' }).waitFor();
      await page.screenshot({ path: `${shots}/one_number_per_level-history.png` });
      await page.getByRole('tab', { name: 'Levels' }).click();
      expect((await page.getByTestId('level-revision').textContent()) === 'Revision 4', 'status bar after the restore');
      return page;
    },

    async history_names_and_picks_its_level() {
      const { page } = await open(project);
      await saveBehind(page, { project: 'app' }, 'LOG=info\n');
      await openEnv(page);
      await page.getByRole('tab', { name: 'History' }).click();
      const owner = page.getByTestId('level-owner');
      await owner.filter({ hasText: 'the environment level of app › backend › production' }).waitFor();
      await page.getByText('0 versions', { exact: true }).waitFor();
      await page.getByRole('group', { name: 'Level whose history is shown' }).getByRole('button', { name: 'project' }).click();
      await owner.filter({ hasText: 'the project level of app' }).waitFor();
      await page.getByText('1 version', { exact: true }).waitFor();
      // The same choice as the Levels tab's switch.
      await page.getByRole('tab', { name: 'Levels' }).click();
      expect((await page.getByRole('tab', { name: 'project' }).getAttribute('aria-selected')) === 'true', 'the project level is the one shown');
      await page.getByRole('tab', { name: 'History' }).click();
      return page;
    },

    async import_names_and_picks_its_level() {
      const { page } = await open(project);
      await openEnv(page);
      await page.getByRole('button', { name: 'Import' }).click();
      const dialog = page.getByRole('dialog', { name: 'Import into the environment level' });
      await dialog.getByTestId('level-owner').filter({ hasText: 'the environment level of app › backend › production' }).waitFor();
      await dialog.getByRole('button', { name: 'Choose a .env or JSON file…' }).click();
      await dialog.getByTestId('import-summary').filter({ hasText: '2 keys in the file' }).waitFor();
      await dialog.getByRole('group', { name: 'Level to import into' }).getByRole('button', { name: 'target' }).click();
      const target = page.getByRole('dialog', { name: 'Import into the target level' });
      await target.getByTestId('level-owner').filter({ hasText: 'the target level of app › backend' }).waitFor();
      // Previewed again for the target level (LOG=debug there, no DB: 2 added).
      await page.waitForFunction(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'preview_import').at(-1)?.args.path.environment === undefined);
      await page.screenshot({ path: `${shots}/import_names_and_picks_its_level-dialog.png` });
      await target.getByRole('button', { name: 'Merge and save' }).click();
      await page.getByText(/Imported 2 keys/).waitFor();
      const levels = await page.evaluate(() => window.__envdeskFake.state.levels);
      expect(levels['app/backend/'].text.includes('IMPORTED=1'), 'imported into the target level: ' + levels['app/backend/'].text);
      expect(!levels['app/backend/production'].text.includes('IMPORTED'), 'the environment level unchanged');
      expect((await page.getByRole('tab', { name: 'target' }).getAttribute('aria-selected')) === 'true', 'the level imported into is shown');
      return page;
    },

    async toasts_leave_save_and_revert_free() {
      const { page } = await open(project);
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('A=1\n');
      await page.keyboard.press('Control+s');
      const toast = page.locator('.toasts .toast').first();
      await toast.waitFor();
      await page.keyboard.type('B=2\n');
      await page.getByRole('button', { name: 'Revert' }).waitFor();
      const t = await toast.boundingBox();
      const save = await page.getByRole('button', { name: 'Save (Ctrl+S)' }).boundingBox();
      const revert = await page.getByRole('button', { name: 'Revert' }).boundingBox();
      expect(t && !overlap(t, save) && !overlap(t, revert), `toast ${JSON.stringify(t)} over Save ${JSON.stringify(save)} or Revert ${JSON.stringify(revert)}`);
      return page;
    },

    async saved_at_only_for_a_level_saved_here() {
      const { page } = await open(project + `
        window.__envdeskFake.state.envs['app/backend'].push({ id: 'Eq', slug: 'qa', name: 'qa', managed: null, has_secrets: null, children: null, status: 'development' });
      `);
      await openEnv(page, 'qa');
      expect((await page.getByTestId('level-revision').textContent()) === 'Not saved yet', 'a level never written: not "rev 0"');
      expect((await page.getByTestId('saved-at').count()) === 0, 'no "saved at" for a level not saved here');
      await page.getByRole('button', { name: 'production', exact: true }).click();
      await page.locator('.cm-content').filter({ hasText: 'DB=prod-db' }).waitFor();
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('A=1\n');
      await page.keyboard.press('Control+s');
      await page.getByTestId('saved-at').filter({ hasText: 'saved at' }).waitFor();
      await page.getByRole('tab', { name: 'project' }).click();
      expect((await page.getByTestId('level-revision').textContent()) === 'Revision 1', 'the project level\'s own revision');
      expect((await page.getByTestId('saved-at').count()) === 0, 'the project level was not saved here');
      await page.getByRole('button', { name: 'qa', exact: true }).click();
      await page.getByTestId('level-revision').filter({ hasText: 'Not saved yet' }).waitFor();
      expect((await page.getByTestId('saved-at').count()) === 0, 'nothing saved on qa');
      return page;
    },

    async draft_dialog_offered_once_then_a_marker() {
      const { page } = await open(project + `
        window.__envdeskFake.state.drafts['app/backend/staging'] = { path: { project: 'app', target: 'backend', environment: 'staging' }, text: 'DB=stage-db\\nKEPT=from before\\n', base_revision: 1 };
      `);
      await page.getByRole('dialog', { name: 'Unsaved changes found' }).waitFor();
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      await openEnv(page, 'staging');
      const marker = page.getByTestId('kept-draft');
      await marker.filter({ hasText: 'The environment level has unsaved changes kept from before.' }).waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'not offered again on opening');
      await page.getByRole('button', { name: 'production', exact: true }).click();
      await page.locator('.cm-content').filter({ hasText: 'DB=prod-db' }).waitFor();
      await page.getByRole('button', { name: 'staging', exact: true }).click();
      await marker.waitFor();
      await page.waitForTimeout(200);
      expect((await page.getByRole('dialog').count()) === 0, 'not offered again on the second opening');
      await page.screenshot({ path: `${shots}/draft_dialog_offered_once_then_a_marker-marker.png` });
      await marker.getByRole('button', { name: 'Review…' }).click();
      await page.getByRole('dialog', { name: 'Unsaved changes found' }).getByRole('button', { name: 'Restore' }).click();
      await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent.includes('KEPT=from before'));
      await page.getByText('● unsaved').waitFor();
      expect((await marker.count()) === 0, 'no marker once restored');
      expect((await page.getByRole('heading', { level: 1 }).textContent()).includes('staging'), 'restored in place, on staging');
      return page;
    },
  };
};
