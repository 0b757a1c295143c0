// Issue 13, items 2, 4 and 13: a file dropped on the window, the key backup shown once, passphrase forms.
export default ({ open, openEnv, project, expect, shots }) => {
  /** What the Rust side does on a drop: reads the file, keeps it under a new handle, sends `file-dropped`. */
  const drop = (page, name, text) =>
    page.evaluate(
      ([name, text]) => {
        const f = window.__envdeskFake;
        const handle = f.state.nextHandle++;
        f.state.imports = { [handle]: text };
        f.emit('file-dropped', { file: { handle, name }, error: null });
      },
      [name, text],
    );
  const team = `
    window.__envdeskFake.state.connections.push({ id: 'conn-1', name: 'Team', url: 'https://secrets.example.test', organization: 'ORG' });
  `;
  const calls = (page, cmd) => page.evaluate((cmd) => window.__envdeskFake.state.calls.filter((c) => c.cmd === cmd).map((c) => c.args), cmd);

  return {
    async a_dropped_env_file_opens_the_import_for_the_level_shown() {
      const { page } = await open(project);
      await openEnv(page);
      await drop(page, '.env.local', 'FROM_DROP=1\nDB=dropped\n');
      const dialog = page.getByRole('dialog', { name: 'Import into the environment level' });
      await dialog.waitFor();
      await page.getByTestId('import-summary').filter({ hasText: '2 keys in the file' }).waitFor();
      expect((await page.getByTestId('import-file').textContent()) === '.env.local', 'the dropped file is chosen, by its name');
      await page.screenshot({ path: `${shots}/a_dropped_env_file_in_the_import_dialog.png` });
      await page.getByRole('button', { name: 'Merge and save' }).click();
      await page.getByText(/Imported 2 keys/).waitFor();
      const text = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production'].text);
      expect(text.includes('FROM_DROP=1'), text);
      // The page named the file by its handle only; it never asked for (or sent) a path.
      const sent = [...(await calls(page, 'preview_import')), ...(await calls(page, 'apply_import'))];
      expect(sent.length === 2 && sent.every((a) => typeof a.handle === 'number' && Object.keys(a).every((k) => ['conn', 'path', 'handle', 'mode'].includes(k))), JSON.stringify(sent));
      expect((await calls(page, 'choose_import_file')).length === 0, 'no open dialog was needed');
      return page;
    },

    async a_drop_with_nothing_open_or_refused_says_why() {
      const { page } = await open(project);
      await drop(page, '.env', 'A=1\n');
      await page.getByText('To import .env, first open the project, target or environment it belongs to').waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'no import dialog without a level to import into');
      await openEnv(page);
      await page.evaluate(() =>
        window.__envdeskFake.emit('file-dropped', { file: null, error: { code: 'import_failed', message: 'That file is larger than 8 MiB; a .env or JSON file to import is far smaller.' } }),
      );
      await page.getByRole('alert').filter({ hasText: 'larger than 8 MiB' }).waitFor();
      expect((await page.getByRole('dialog').count()) === 0, 'a refused drop opens nothing');
      return page;
    },

    async key_backup_asks_before_closing_without_a_copy() {
      const { page } = await open();
      await page.getByRole('button', { name: 'New project' }).first().click();
      await page.getByLabel('Name').fill('app');
      await page.getByRole('button', { name: 'Create' }).click();
      const key = page.getByTestId('backup-key');
      await key.waitFor();
      // Worded for the local vault: it never holds the key; no "not even the server".
      const why = await page.getByTestId('backup-why').textContent();
      expect(why.includes('local vault') && !why.includes('not even the server'), why);
      // The key stays on one line.
      const box = await key.evaluate((el) => ({ h: el.clientHeight, line: parseFloat(getComputedStyle(el).lineHeight) || 16, ws: getComputedStyle(el).whiteSpace }));
      expect(box.ws === 'nowrap' && box.h < box.line * 2 + 24, JSON.stringify(box));
      // Esc without a copy: asked first; "Back to the key" keeps it on screen.
      await page.keyboard.press('Escape');
      await page.getByText('You have not copied or saved this key.').waitFor();
      await page.getByRole('button', { name: 'Back to the key' }).click();
      expect(await key.isVisible(), 'the key is still shown');
      // ✕ without a copy: asked again; closing without a copy is a deliberate choice.
      await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
      await page.getByRole('alertdialog', { name: 'Close without a copy?' }).waitFor();
      await page.screenshot({ path: `${shots}/key_backup_close_without_a_copy.png` });
      await page.getByRole('button', { name: 'Close without a copy' }).click();
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      expect((await calls(page, 'dismiss_key_backup')).length === 1, 'the key waiting for backup is dropped');
      // Once saved, ✕ closes at once.
      await page.getByRole('button', { name: '+ New project' }).click();
      await page.getByLabel('Name', { exact: true }).fill('second');
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('button', { name: 'Save to file…' }).click();
      await page.getByText('Key saved to').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
      return page;
    },

    async key_backup_on_a_team_server_says_the_server_never_has_it() {
      const { page } = await open(project + team);
      await page.getByRole('combobox', { name: 'Connection' }).selectOption('conn-1');
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('button', { name: 'Rotate key…' }).click();
      await page.getByRole('button', { name: 'Rotate', exact: true }).click();
      await page.getByTestId('backup-key').waitFor();
      const why = await page.getByTestId('backup-why').textContent();
      expect(why.includes('team server') && why.includes('never receives this key') && !why.includes('not even'), why);
      await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();
      const ask = await page.getByRole('alertdialog').textContent();
      expect(ask.includes('The server cannot recover it'), ask);
      return page;
    },

    async new_project_passphrase_rule_confirm_show_and_enter() {
      const { page } = await open();
      await page.getByRole('button', { name: 'New project' }).first().click();
      await page.getByLabel('Name').fill('vault');
      await page.getByLabel(/Use a passphrase/).check();
      const pass = page.getByLabel('Passphrase', { exact: true });
      const again = page.getByLabel('Confirm the passphrase');
      const create = page.getByRole('button', { name: 'Create' });
      expect((await pass.getAttribute('placeholder')) === 'e.g. four or more unrelated words', 'a helpful placeholder');
      await page.getByText('Any length except exactly 32 characters').waitFor();
      // Exactly 32 characters: said why, in words, and Create waits.
      await pass.fill('x'.repeat(32));
      await page.getByTestId('passphrase-problem').filter({ hasText: 'check value would be the encryption key itself' }).waitFor();
      expect(await create.isDisabled(), 'no create with a 32-character passphrase');
      await pass.fill('correct horse battery staple');
      expect((await page.getByTestId('passphrase-problem').count()) === 0, 'the rule message goes as the user types');
      await again.fill('correct horse battery stapel');
      await page.getByTestId('passphrase-mismatch').waitFor();
      expect(await create.isDisabled(), 'no create while the two differ');
      // Show reveals both fields, Hide masks them again.
      await page.getByRole('button', { name: 'Show' }).click();
      expect((await pass.getAttribute('type')) === 'text' && (await again.getAttribute('type')) === 'text', 'shown');
      await again.fill('correct horse battery staple');
      expect((await page.getByTestId('passphrase-mismatch').count()) === 0, 'the mismatch message goes once they match');
      await page.screenshot({ path: `${shots}/new_project_passphrase_form.png` });
      await page.getByRole('button', { name: 'Hide' }).click();
      expect((await pass.getAttribute('type')) === 'password', 'hidden again');
      // An error from the Rust side clears as the user types.
      await page.evaluate(() => {
        const h = window.__envdeskFake.handlers;
        const real = h.create_project;
        h.create_project = (a) => {
          h.create_project = real;
          throw { code: 'invalid', message: 'A project named vault exists already.' };
        };
      });
      await again.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'exists already' }).waitFor();
      await page.getByLabel('Name').fill('vault2');
      expect((await page.getByRole('alert').filter({ hasText: 'exists already' }).count()) === 0, 'the error went as the user typed');
      // Enter submits.
      await again.press('Enter');
      await page.getByText('Project vault2 created.').waitFor();
      const sent = await calls(page, 'create_project');
      const last = sent[sent.length - 1];
      expect(last.name === 'vault2' && last.key.mode === 'passphrase' && last.key.passphrase === 'correct horse battery staple', JSON.stringify(last));
      return page;
    },

    async rotate_to_a_new_passphrase_asks_for_it_twice() {
      const { page } = await open(project);
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('button', { name: 'Rotate key…' }).click();
      await page.getByLabel('Use a new passphrase').check();
      const rotate = page.getByRole('button', { name: 'Rotate', exact: true });
      expect(await rotate.isDisabled(), 'nothing typed yet');
      await page.getByLabel('New passphrase', { exact: true }).fill('a new long passphrase');
      await page.getByLabel('Confirm the new passphrase').fill('a new long passphrase!');
      await page.getByTestId('passphrase-mismatch').waitFor();
      await page.getByLabel('Confirm the new passphrase').press('Enter');
      expect((await calls(page, 'rotate_key')).length === 0, 'Enter does nothing while the two differ');
      await page.getByLabel('Confirm the new passphrase').fill('a new long passphrase');
      await page.getByLabel('Confirm the new passphrase').press('Enter');
      await page.getByText(/Key rotated/).waitFor();
      const sent = await calls(page, 'rotate_key');
      expect(sent.length === 1 && sent[0].key.mode === 'passphrase' && sent[0].key.passphrase === 'a new long passphrase', JSON.stringify(sent));
      return page;
    },

    async unlock_error_clears_as_you_type_and_show_reveals() {
      const { page } = await open(project);
      await openEnv(page);
      // One project locked (Ctrl+Shift+L in the tree): opening it again asks for its key in the dialog.
      await page.getByRole('button', { name: 'production', exact: true }).focus();
      await page.keyboard.press('Control+Shift+L');
      await page.getByText('Locked app').first().waitFor();
      await page.evaluate(() => (window.__envdeskFake.state.needKey = true));
      await page.getByRole('button', { name: 'Unlock' }).click();
      const input = page.getByLabel('Key or passphrase');
      expect((await input.getAttribute('placeholder')).includes('64-character key'), 'says what to type');
      await input.fill('wrong');
      await input.press('Enter');
      await page.getByTestId('unlock-error').filter({ hasText: 'does not open' }).waitFor();
      await input.press('Backspace');
      expect((await page.getByTestId('unlock-error').count()) === 0, 'the error goes as the user types');
      await page.getByRole('button', { name: 'Show' }).click();
      expect((await input.getAttribute('type')) === 'text', 'Show reveals what was typed');
      await input.fill('a'.repeat(64));
      await input.press('Enter');
      await page.waitForSelector('[data-testid=editor] .cm-content');
      return page;
    },
  };
};
