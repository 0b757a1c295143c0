// The lock screen (issue 13, item 6): locking (the Lock button, Ctrl+L, the automatic lock) covers the
// whole window — nothing of the workspace stays in the page for eyes, screen readers or Tab — and asks
// for what protects the key of the project that was open: the OS keychain, its passphrase, or nothing
// but the connection's token when the server holds the key. After the unlock the same node is back.
import { join } from 'node:path';

export default (h) => {
  const { open, openEnv, project, expect, shots } = h;

  const lockScreen = (page) => page.getByRole('heading', { name: 'envdesk is locked' }).waitFor();

  /** Nothing of the workspace is in the page: no tree, editor, project tree names, values or connection. */
  async function nothingBehind(page, values) {
    const seen = await page.evaluate(() => ({
      text: document.body.innerText,
      tree: document.querySelectorAll('[role=tree], .shell, [data-testid=editor], .toasts, [role=dialog]').length,
      outside: [...document.querySelectorAll('body *')].filter((el) => el.childElementCount === 0 && el.textContent.trim() && !el.closest('[data-testid=lock-screen]') && !el.closest('script, style')).map((el) => el.textContent.trim()),
    }));
    expect(seen.tree === 0, 'the tree, the editor, the dialogs and the toasts are not in the page');
    expect(seen.outside.length === 0, 'no text outside the lock screen: ' + JSON.stringify(seen.outside));
    for (const v of ['backend', 'production', 'staging', 'Local vault', ...values]) {
      expect(!seen.text.includes(v), `"${v}" is not on screen: ` + JSON.stringify(seen.text));
    }
    // Tab goes round the lock screen's own controls only.
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      const inside = await page.evaluate(() => document.activeElement === document.body || !!document.activeElement?.closest('[data-testid=lock-screen]'));
      expect(inside, `Tab ${i + 1} stays on the lock screen`);
    }
  }

  /** The node shown: the selected tree node and the editor's text. */
  const shown = (page) =>
    page.evaluate(() => ({
      selected: document.querySelector('[role=treeitem][aria-selected=true] > .row > button.name')?.textContent.trim(),
      text: document.querySelector('[data-testid=editor] .cm-content')?.textContent ?? '',
    }));

  return {
    async lock_hides_the_window_and_the_keychain_unlocks_the_same_node() {
      const { page } = await open(project);
      await openEnv(page, 'staging');
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('TYPED=kept\n');
      await page.getByText('● unsaved').waitFor();
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(page);
      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).waitFor();
      expect(await page.getByText('The key of app is remembered in the OS keychain on this computer.').isVisible(), 'says the keychain holds the key');
      expect(await page.getByText('If the OS keychain is itself locked, the system asks for its password first.').isVisible(), 'says the OS may ask');
      expect(await page.getByTestId('lock-drafts').filter({ hasText: 'kept as an encrypted draft' }).isVisible(), 'says the unsaved text was kept');
      expect((await page.getByRole('button', { name: 'Forget it on this computer' }).count()) === 0, 'a generated key is not offered for forgetting');
      await nothingBehind(page, ['stage-db', 'TYPED', 'ONLY_STAGING']);
      await page.screenshot({ path: join(shots, 'lock_screen_keychain.png') });
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.map((c) => c.cmd));
      expect(calls.indexOf('save_draft') >= 0 && calls.indexOf('save_draft') < calls.indexOf('lock_all'), 'the draft is kept before the keys go: ' + calls.join(','));

      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      await page.waitForFunction(() => document.querySelector('.cm-content')?.textContent.includes('TYPED=kept'));
      const s = await shown(page);
      expect(s.selected === 'staging' && s.text.includes('ONLY_STAGING=1'), 'the same node, read again: ' + JSON.stringify(s));
      await page.getByText('● unsaved').waitFor();
      expect((await page.getByText('Unsaved changes found').count()) === 0, 'the kept text is back in the editor, not offered in a dialog');
      return page;
    },

    async lock_back_without_unlocking_opens_nothing_and_clears_the_clipboard() {
      const { page } = await open(project);
      await openEnv(page, 'staging');
      // A value copied from envdesk leaves the clipboard with the lock, whatever the timer says.
      await page.evaluate(() => {
        window.__clip = '';
        Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t) => void (window.__clip = t) }, configurable: true });
      });
      await page.locator('aside[aria-label="Effective result"]').getByRole('button', { name: /^Copy / }).first().click();
      expect((await page.evaluate(() => window.__clip)) !== '', 'copied');
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(page);
      expect((await page.evaluate(() => window.__clip)) === '', 'the clipboard is cleared by the lock');
      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).waitFor();
      const before = await page.evaluate(() => window.__envdeskFake.state.calls.length);
      await page.getByRole('button', { name: 'Back to the project list without unlocking' }).click();
      await page.getByRole('tree').waitFor();
      await page.getByText('Locked.', { exact: false }).first().waitFor();
      expect((await page.locator('[data-testid=editor]').count()) === 0, 'no editor: nothing was opened');
      const after = await page.evaluate((n) => window.__envdeskFake.state.calls.slice(n).map((c) => c.cmd), before);
      expect(!after.includes('unlock') && !after.includes('unlock_with_key') && !after.includes('read_node'), 'nothing unlocked or read: ' + after.join(','));
      return page;
    },

    async lock_asks_a_passphrase_project_for_its_passphrase() {
      const { page } = await open(project + `f.needKey = true; f.passphrase = 'correct horse battery staple';`);
      await openEnv(page, 'staging');
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(page);
      const field = page.getByLabel('Passphrase or key of app');
      await field.waitFor();
      expect(await page.getByText('app is protected by its passphrase (or its key), which this computer does not store.').isVisible(), 'names what protects the key');
      expect((await page.getByRole('button', { name: /OS keychain/ }).count()) === 0, 'no keychain button');
      expect(await field.evaluate((el) => el === document.activeElement), 'the field has the focus');
      await nothingBehind(page, ['stage-db']);

      await field.fill('wrong horse');
      await field.press('Enter');
      await page.getByTestId('lock-error').filter({ hasText: 'That passphrase or key does not open app' }).waitFor();
      expect((await field.inputValue()) === 'wrong horse', 'the field keeps what was typed');
      await page.screenshot({ path: join(shots, 'lock_screen_passphrase_wrong.png') });
      await lockScreen(page);
      await field.fill('correct horse battery staple');
      await page.waitForFunction(() => !document.querySelector('[data-testid=lock-error]'));
      await field.press('Enter');
      await page.waitForSelector('[data-testid=editor] .cm-content');
      const s = await shown(page);
      expect(s.selected === 'staging' && s.text.includes('ONLY_STAGING=1'), 'back on the same node: ' + JSON.stringify(s));
      const sent = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'unlock_with_key').map((c) => c.args.remember));
      expect(JSON.stringify(sent) === '[false,false]', 'a passphrase typed on the lock screen is not remembered: ' + JSON.stringify(sent));
      return page;
    },

    async lock_forgets_a_remembered_passphrase() {
      const { page } = await open(project + `f.rememberedPassphrase = { app: true }; f.passphrase = 'correct horse battery staple';`);
      await openEnv(page);
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(page);
      await page.getByText('The key of app is remembered in the OS keychain on this computer, as its passphrase.').waitFor();
      await page.getByRole('button', { name: 'Forget it on this computer' }).click();
      await page.getByText('The passphrase of app is no longer remembered on this computer.').waitFor();
      await page.getByLabel('Passphrase or key of app').fill('correct horse battery staple');
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'forget_key').map((c) => c.args));
      expect(calls.length === 1 && calls[0].project === 'app' && calls[0].conn === 'local', JSON.stringify(calls));
      return page;
    },

    async lock_server_project_and_nothing_open() {
      const server = `f.projects[0].managed = 'server';`;
      const { page } = await open(project + server);
      await openEnv(page);
      await page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(page);
      await page.getByText("The local vault holds the key of app; the vault's own key, kept in the OS keychain, is what protects it.").waitFor();
      await page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');

      // Nothing open: nothing to ask for, and the screen says why.
      const again = await open(project);
      await again.page.getByRole('button', { name: 'Lock', exact: true }).click();
      await lockScreen(again.page);
      await again.page.getByText('No project was open, so no key is needed to come back.', { exact: false }).waitFor();
      await nothingBehind(again.page, ['app']);
      await again.page.getByRole('button', { name: 'Unlock', exact: true }).click();
      await again.page.getByRole('button', { name: 'app', exact: true }).waitFor();
      await again.page.context().close();
      return page;
    },

    async ctrl_l_locks_and_ctrl_shift_l_locks_one_project() {
      const { page } = await open(project);
      await openEnv(page);
      // In the tree, Ctrl+Shift+L locks the focused node's project (the 🔒), not the window.
      await page.getByRole('button', { name: 'production', exact: true }).focus();
      await page.keyboard.press('Control+Shift+L');
      await page.getByText('Locked app: its secrets are hidden until you unlock it.').waitFor();
      expect((await page.getByTestId('lock-screen').count()) === 0, 'one project locked: no lock screen');
      expect((await page.locator('[data-testid=editor]').count()) === 0, 'its text is dropped');
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'lock_project').map((c) => c.args.project));
      expect(JSON.stringify(calls) === '["app"]', JSON.stringify(calls));

      // Ctrl+L from the editor locks the window.
      await page.getByRole('button', { name: 'staging', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+l');
      await lockScreen(page);
      expect(await page.evaluate(() => window.__envdeskFake.state.calls.some((c) => c.cmd === 'lock_all')), 'every key dropped in Rust');
      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      expect((await shown(page)).selected === 'staging', 'back on staging');
      return page;
    },

    async idle_lock_event_shows_the_lock_screen() {
      const { page } = await open(project);
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('LOST=1\n');
      // Rust's auto-lock: the keys are dropped there first, then the page is told.
      await page.evaluate(() => {
        window.__envdeskFake.state.locked = true;
        window.__envdeskFake.emit('locked', null);
      });
      await lockScreen(page);
      await page.getByTestId('lock-drafts').filter({ hasText: 'discarded' }).waitFor();
      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).waitFor();
      await nothingBehind(page, ['prod-db', 'LOST']);
      // A second event while locked changes nothing.
      await page.evaluate(() => window.__envdeskFake.emit('locked', null));
      await page.getByRole('button', { name: 'Unlock with the OS keychain' }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      const s = await shown(page);
      expect(s.selected === 'production' && s.text.includes('DB=prod-db') && !s.text.includes('LOST'), 'the same node, as saved: ' + JSON.stringify(s));
      return page;
    },
  };
};
