// Accessibility (issue 13): axe-core, WCAG 2.1 A and AA, on every screen and dialog reachable with the fake
// backend, in the light and in the dark theme (one page per theme, the screens in sequence); no serious or
// critical violation. And by keyboard: Tab stays inside an open dialog, focus is visible, Esc and ✕ give the
// focus back to the control that opened the dialog.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export default (h) => {
  const { open, project, expect } = h;

  /** Runs axe on the page as it is; returns the serious and critical violations, one line each. */
  async function audit(page, screen) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    // Transitions and the lazy editors settle first.
    await page.waitForTimeout(60);
    const result = await page.evaluate((tags) => window.axe.run(document, { runOnly: tags, resultTypes: ['violations'] }), RULES);
    const out = [];
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const n of v.nodes) out.push(`${screen}: ${v.impact} ${v.id} at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 220)}`);
    }
    // ENVDESK_A11Y_VERBOSE=1: every screen's count, and the moderate and minor findings too.
    if (process.env.ENVDESK_A11Y_VERBOSE) {
      const rest = result.violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical').map((v) => `${v.impact} ${v.id} ×${v.nodes.length}`);
      console.log(`  axe ${screen}: ${out.length} serious/critical${rest.length ? '; ' + rest.join(', ') : ''}`);
    }
    return out;
  }

  const dialog = (page, name) => page.getByRole('dialog', { name }).waitFor();
  const closeDialog = async (page) => {
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  };

  /** Every screen and dialog, in sequence, in one theme. */
  async function walk(theme) {
    const setTheme = `window.__envdeskFake.state.settings.theme = '${theme}';`;
    const found = [];
    const check = async (page, screen) => found.push(...(await audit(page, `${theme} ${screen}`)));

    // First launch: the empty vault; the new-project dialog; the key shown once.
    const { page } = await open(setTheme);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    await page.getByRole('heading', { name: /Your secrets, encrypted/ }).waitFor();
    await check(page, 'first launch');
    await page.getByRole('button', { name: 'New project' }).first().click();
    await dialog(page, 'New project');
    await check(page, 'new project dialog');
    await page.getByLabel('Name', { exact: true }).fill('first');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('backup-key').waitFor();
    await check(page, 'key backup dialog');
    await page.getByRole('button', { name: 'I have a copy' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog(page, 'Settings');
    await check(page, 'settings dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: 'Manage connections…' }).click();
    await page.getByRole('button', { name: 'Test and add' }).waitFor();
    await check(page, 'connections dialog');
    await closeDialog(page);

    // The same page again, now with a project and a draft kept from before.
    await page.addInitScript(
      project +
        setTheme +
        `window.__envdeskFake.state.drafts['app/backend/staging'] = { path: { project: 'app', target: 'backend', environment: 'staging' }, text: 'DB=stage-db\\nTYPED=1\\n', base_revision: 1 };`,
    );
    await page.reload();
    await page.waitForSelector('.shell');
    await page.getByText('Unsaved changes found').waitFor();
    await check(page, 'draft dialog');
    await closeDialog(page);

    await page.getByRole('button', { name: 'Expand app' }).click();
    await page.getByRole('button', { name: 'Expand backend' }).click();
    await page.getByRole('button', { name: 'production', exact: true }).waitFor();
    await check(page, 'tree');

    // The project: rotate the key (and the new key shown once).
    await page.getByRole('button', { name: 'app', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate key…' }).click();
    await page.getByRole('button', { name: 'Rotate', exact: true }).waitFor();
    await check(page, 'rotate dialog');
    await page.getByRole('button', { name: 'Rotate', exact: true }).click();
    await page.getByTestId('backup-key').waitFor();
    await page.getByRole('button', { name: 'I have a copy' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '+ target' }).click();
    await page.getByRole('dialog').waitFor();
    await check(page, 'new target dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: '+ environment' }).click();
    await page.getByRole('dialog').waitFor();
    await check(page, 'new environment dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: '+ New project' }).click();
    await page.getByRole('dialog').waitFor();
    await check(page, 'new project dialog (tree)');
    await closeDialog(page);

    // The environment: levels as text, as a table, merged, diff, history.
    await page.getByRole('button', { name: 'production', exact: true }).click();
    await page.waitForSelector('[data-testid=editor] .cm-content');
    await check(page, 'levels text');
    await page.getByRole('button', { name: 'Rename production' }).click();
    await page.getByRole('dialog').waitFor();
    await check(page, 'rename dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: 'Delete production' }).click();
    await page.getByRole('dialog').waitFor();
    await check(page, 'delete dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: 'table' }).click();
    await page.getByRole('button', { name: 'Edit value of DB' }).waitFor();
    await check(page, 'levels table');
    await page.getByRole('button', { name: 'text' }).click();
    await page.waitForSelector('[data-testid=editor] .cm-content');

    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByRole('button', { name: 'Choose a .env or JSON file…' }).waitFor();
    await check(page, 'import dialog');
    await page.getByRole('button', { name: 'Choose a .env or JSON file…' }).click();
    await page.getByTestId('import-summary').waitFor();
    await check(page, 'import dialog with a preview');
    await closeDialog(page);
    await page.getByRole('button', { name: 'Export' }).click();
    await page.getByText('The file is plaintext').waitFor();
    await check(page, 'export dialog');
    await closeDialog(page);

    await page.getByRole('tab', { name: 'Merged' }).click();
    await page.getByRole('button', { name: '1 level' }).first().click();
    await page.getByText('comes from').waitFor();
    await page.getByRole('button', { name: /Reveal/ }).first().click();
    await check(page, 'merged');

    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.getByLabel('Left side').selectOption({ label: 'production (merged)' });
    await page.getByLabel('Right side').selectOption({ label: 'staging (merged)' });
    await page.getByTestId('diff-summary').filter({ hasText: '1 only in staging' }).waitFor();
    await page.waitForSelector('[data-testid=merge-view] .cm-mergeView');
    await check(page, 'diff');

    // A level that does not parse: the question before saving, the problems list, then the banners.
    await page.getByRole('tab', { name: 'Levels' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('OOPS: one\n');
    await page.keyboard.press('Control+s');
    await page.getByRole('button', { name: 'Save anyway' }).waitFor();
    await check(page, 'save a level that does not parse');
    await page.getByRole('button', { name: 'Save anyway' }).click();
    await page.getByText(/Saved environment level/).waitFor();
    await page.getByRole('tab', { name: 'Merged' }).click();
    await page.getByTestId('parse-banner').first().waitFor();
    await check(page, 'merged with a level that does not parse');
    await page.getByRole('tab', { name: 'Levels' }).click();

    await page.evaluate(() => {
      const f = window.__envdeskFake;
      const l = f.state.levels['app/backend/production'];
      f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: 'DB=v2\n', base_revision: l.revision });
    });
    await page.getByRole('tab', { name: 'History' }).click();
    await page.locator('[data-version] button').first().click();
    await page.waitForSelector('.detail [data-testid=merge-view] .cm-mergeView');
    await check(page, 'history with a version');
    await page.getByRole('button', { name: 'Restore' }).click();
    await dialog(page, 'Restore this version?');
    await check(page, 'confirm dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: 'Purge all…' }).click();
    await page.getByLabel('Type the name to confirm').waitFor();
    await check(page, 'purge dialog');
    await closeDialog(page);

    // Someone else saved first: the conflict dialog.
    await page.getByRole('tab', { name: 'Levels' }).click();
    await page.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('DB=prod-db\nA=mine\n');
    await page.evaluate(() => Object.assign(window.__envdeskFake.state.levels['app/backend/production'], { text: 'DB=prod-db\nA=theirs\n', revision: 9 }));
    await page.keyboard.press('Control+s');
    await page.getByRole('heading', { name: 'Someone saved this level first' }).waitFor();
    await check(page, 'conflict dialog');
    await closeDialog(page);
    await page.getByRole('button', { name: 'Revert' }).click();

    // Locked: the lock screen over the whole window asks for what protects the key — the keychain,
    // then (the keychain no longer holding it) the passphrase.
    await page.getByRole('button', { name: 'Lock', exact: true }).click();
    await page.getByRole('button', { name: 'Unlock with the OS keychain' }).waitFor();
    await check(page, 'lock screen (keychain)');
    await page.getByRole('button', { name: 'Unlock with the OS keychain' }).click();
    await page.waitForSelector('[data-testid=editor] .cm-content');
    await page.evaluate(() => (window.__envdeskFake.state.needKey = true));
    await page.keyboard.press('Control+l');
    await page.getByLabel('Passphrase or key of app').fill('wrong');
    await page.keyboard.press('Enter');
    await page.getByTestId('lock-error').waitFor();
    await check(page, 'lock screen (passphrase, wrong)');
    await page.getByLabel('Passphrase or key of app').fill('a'.repeat(64));
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid=editor] .cm-content');

    // One project locked from the tree: the unlock dialog asks for its key.
    await page.getByRole('button', { name: 'production', exact: true }).focus();
    await page.keyboard.press('Control+Shift+L');
    await page.getByText('Locked app').first().waitFor();
    await check(page, 'locked');
    await page.evaluate(() => (window.__envdeskFake.state.needKey = true));
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByLabel('Key or passphrase').waitFor();
    await check(page, 'unlock dialog');

    if (found.length) {
      for (const f of found) console.log('    ' + f);
      throw new Error(`${found.length} serious or critical axe violations in the ${theme} theme (listed above)`);
    }
    return page;
  }

  /** Tab and Shift+Tab cycle inside the open dialog; focus is visible; Esc and ✕ return it to the opener. */
  async function keyboard() {
    const { page } = await open(project);
    const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'));
    const focusShown = () =>
      page.evaluate(() => {
        const el = document.activeElement;
        const s = getComputedStyle(el);
        return el.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
      });
    const opener = page.getByRole('button', { name: 'Settings' });
    await opener.focus();
    await page.keyboard.press('Enter');
    await dialog(page, 'Settings');
    expect(await inDialog(), 'the dialog takes the focus when it opens');
    expect(await page.evaluate(() => document.activeElement?.tagName) === 'SELECT', 'the first field has the focus');
    const n = await page.getByRole('dialog').locator('button, input, select, textarea').count();
    for (let i = 0; i < n + 2; i++) {
      await page.keyboard.press('Tab');
      expect(await inDialog(), `Tab ${i + 1} stays in the dialog`);
      expect(await focusShown(), `Tab ${i + 1}: the focus is visible`);
    }
    for (let i = 0; i < n + 2; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await inDialog(), `Shift+Tab ${i + 1} stays in the dialog`);
    }
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await opener.evaluate((el) => el === document.activeElement), 'Esc gives the focus back to Settings');

    // Esc also closes it after a click on its text (the focus on the dialog itself, not on a control).
    await opener.click();
    await page.getByRole('dialog').getByRole('heading', { name: 'Settings' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await opener.evaluate((el) => el === document.activeElement), 'Esc after a click gives the focus back to Settings');

    // ✕ does too, for a dialog opened from the tree.
    await page.getByRole('button', { name: 'Expand app' }).click();
    const add = page.getByRole('button', { name: '+ target' });
    await add.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    expect(await inDialog(), 'the new-target dialog takes the focus');
    await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    expect(await add.evaluate((el) => el === document.activeElement), '✕ gives the focus back to + target');

    // Segmented buttons show their focus (the tabs of the environment).
    await page.getByRole('button', { name: 'Expand backend' }).click();
    await page.getByRole('button', { name: 'production', exact: true }).click();
    await page.waitForSelector('[data-testid=editor] .cm-content');
    await page.getByRole('tab', { name: 'Merged' }).focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('role')) === 'tab', 'a tab has the focus');
    expect(await focusShown(), 'the focus of a tab is visible');

    // The diff's text panes are reached by Tab, named, and show their focus.
    await page.getByRole('tab', { name: 'Diff' }).click();
    await page.waitForSelector('[data-testid=merge-view] .cm-mergeView');
    await page.getByLabel('Right side').focus();
    const panes = [];
    for (let i = 0; i < 40 && panes.length < 2; i++) {
      await page.keyboard.press('Tab');
      const pane = await page.evaluate(() => {
        const el = document.activeElement;
        const ring = el?.closest('.cm-editor') && getComputedStyle(el.closest('.cm-editor')).outlineStyle !== 'none';
        return el?.classList.contains('cm-content') ? `${el.getAttribute('aria-label')}${ring ? '' : ' (no ring)'}` : null;
      });
      if (pane) panes.push(pane);
    }
    // The panes are named after the sources chosen (DiffView), with no "(no ring)" suffix.
    expect(panes.length === 2 && panes[0].startsWith('Left: ') && panes[1].startsWith('Right: ') && !panes.some((p) => p.endsWith('(no ring)')), 'Tab reaches both diff panes with a visible focus: ' + JSON.stringify(panes));
    return page;
  }

  return {
    accessibility_axe_light_theme: () => walk('light'),
    accessibility_axe_dark_theme: () => walk('dark'),
    accessibility_keyboard_in_dialogs: keyboard,
  };
};
