// Issue 14, part 3, "The history of one key": from the table view (and the merged view) a key's history
// at its level — the versions where its value changed, masked values revealed one at a time by Rust
// (key_value_at), two versions compared, an unreadable version said, "Restore this value" for that key
// alone with a confirmation naming key, level and revision, then the toast with the revision numbers; a
// stale revision is a conflict, nothing written; the table's "Last changed" column; axe in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export default (h) => {
  const { open, openEnv, project, expect } = h;

  /** Four versions of the production level: API_KEY added in 2, a broken text in 3, changed in 4. */
  const seed = (theme = 'light') => `
    const fk = window.__envdeskFake.state;
    fk.settings.theme = '${theme}';
    const day = 86400e3;
    const v = (id, rev, text, action, days, author) => ({ type: 'secret-versions', id: String(id), text, attributes: { action, size_bytes: text.length, is_client_encrypted: true, encryption_key_version: '1', key_version: '1', created_at: new Date(Date.now() - days * day).toISOString(), created_by: author ? { id: 1, name: author } : null, locked: false, locked_reason: null, revision: rev } });
    fk.versions['app/backend/production'] = [
      v(104, 4, 'DB=prod-db\\nAPI_KEY=new-secret\\n', 'update', 1, 'ci'),
      v(103, 3, 'DB=prod-db\\nAPI_KEY: broken\\n', 'update', 3, 'ci'),
      v(102, 2, 'DB=prod-db\\nAPI_KEY=old-secret\\n', 'update', 10, null),
      v(101, 1, 'DB=prod-db\\n', 'create', 40, 'alice'),
    ];
    fk.levels['app/backend/production'] = { text: 'DB=prod-db\\nAPI_KEY=new-secret\\n', revision: 4 };
  `;

  async function openTable(page) {
    await openEnv(page);
    await page.getByRole('button', { name: 'table' }).click();
    await page.getByRole('table', { name: 'Keys of this level' }).waitFor();
  }

  async function openHistory(page, key = 'API_KEY') {
    await page.getByRole('button', { name: `History of ${key}` }).click();
    const d = page.getByRole('dialog', { name: `History of ${key}` });
    await d.getByTestId('key-event').first().waitFor();
    return d;
  }

  const calls = (page, cmd) => page.evaluate((c) => window.__envdeskFake.state.calls.filter((x) => x.cmd === c).length, cmd);
  const level = (page) => page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production']);

  async function audit(page, screen) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    await page.waitForTimeout(60);
    const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] }));
    const out = [];
    for (const v of result.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical') continue;
      for (const n of v.nodes) out.push(`${screen}: ${v.impact} ${v.id} at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 220)}`);
    }
    return out;
  }

  return {
    async key_history_opens_from_the_matrix_at_the_level_of_the_cell() {
      const { page } = await open(project + seed());
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('tab', { name: 'Matrix' }).click();
      await page.getByRole('button', { name: 'History of API_KEY in production (backend)' }).click();
      const d = page.getByRole('dialog', { name: 'History of API_KEY' });
      await d.getByTestId('key-event').first().waitFor();
      expect((await d.textContent()).includes('production'), 'the dialog names the level: ' + (await d.textContent()).slice(0, 200));
      // The restore is checked against that level's revision (read now: the open node is the project).
      await d.getByRole('button', { name: 'Restore this value of API_KEY from revision 2' }).click();
      await d.getByRole('button', { name: 'Restore API_KEY' }).click();
      await page.getByText('Restored API_KEY from revision 2 as revision 5.').waitFor();
      expect((await level(page)).text === 'DB=prod-db\nAPI_KEY=old-secret\n', JSON.stringify(await level(page)));
      return page;
    },

    async key_history_table_shows_last_changed() {
      const { page } = await open(project + seed());
      await openTable(page);
      const cell = (key) => page.locator(`tr[data-key="${key}"] [data-testid=last-changed] time`);
      await cell('API_KEY').waitFor();
      expect((await cell('API_KEY').innerText()) === 'yesterday', `API_KEY last changed: ${await cell('API_KEY').innerText()}`);
      const title = await cell('API_KEY').getAttribute('title');
      expect(/revision 4 by ci/.test(title), `the full date, revision and author in the title: ${title}`);
      expect((await cell('DB').innerText()) === 'last mo.', `DB last changed: ${await cell('DB').innerText()}`);
      expect(/revision 1 by alice/.test(await cell('DB').getAttribute('title')), 'DB set in revision 1');
      return page;
    },

    async key_history_lists_reveals_compares_and_restores_one_key() {
      const { page } = await open(project + seed());
      await openTable(page);
      const d = await openHistory(page);
      const rows = d.getByTestId('key-event');
      expect((await rows.count()) === 2, `two versions changed API_KEY: ${await rows.count()}`);
      const first = await rows.nth(0).innerText();
      const second = await rows.nth(1).innerText();
      expect(/Revision 4/.test(first) && /yesterday/.test(first) && /ci/.test(first) && /update/.test(first) && /changed/.test(first), `newest: ${first}`);
      expect(/Revision 2/.test(second) && /not recorded/.test(second) && /added/.test(second), `oldest: ${second}`);
      // The broken version is said, not guessed.
      expect(/Revision 3: its text does not parse/.test(await d.getByTestId('history-skipped').innerText()), 'the unreadable version is listed');
      // Masked until revealed; only the revealed value is asked for.
      expect(!(await d.innerText()).includes('secret'), 'no value on screen before a reveal');
      expect((await calls(page, 'key_value_at')) === 0, 'no value asked for before a reveal');
      await d.getByRole('button', { name: 'Reveal value of API_KEY in revision 2' }).click();
      await rows.nth(1).getByText('old-secret').waitFor();
      expect((await calls(page, 'key_value_at')) === 1, 'one value asked for');
      expect(!(await rows.nth(0).innerText()).includes('new-secret'), 'the other row stays masked');
      // Compare the two.
      await d.getByRole('checkbox', { name: 'compare revision 4' }).check();
      await d.getByRole('checkbox', { name: 'compare revision 2' }).check();
      const verdict = d.getByTestId('compare-verdict');
      expect((await verdict.innerText()).includes('The values of API_KEY differ.'), await verdict.innerText());
      // Restore the value of revision 2, for API_KEY alone.
      await d.getByRole('button', { name: 'Restore this value of API_KEY from revision 2' }).click();
      const confirm = d.getByTestId('restore-confirm');
      const words = await confirm.innerText();
      expect(/Restore API_KEY from revision 2\?/.test(words) && /environment level of app › backend › production/.test(words) && /on top of revision 4/.test(words), `the confirmation names key, level and revision: ${words}`);
      await confirm.getByRole('button', { name: 'Restore API_KEY' }).click();
      await page.getByText('Restored API_KEY from revision 2 as revision 5.').waitFor();
      await d.waitFor({ state: 'detached' });
      const l = await level(page);
      expect(l.text === 'DB=prod-db\nAPI_KEY=old-secret\n' && l.revision === 5, `only API_KEY changed: ${JSON.stringify(l)}`);
      // The app read the level again: the table shows the restore as the last change.
      await page.waitForFunction(() => document.querySelector('tr[data-key="API_KEY"] [data-testid=last-changed]')?.textContent.includes('just now'));
      return page;
    },

    async key_history_stale_revision_is_a_conflict() {
      const { page } = await open(project + seed());
      await openTable(page);
      const d = await openHistory(page);
      // Someone else writes the level meanwhile.
      await page.evaluate(() => {
        const l = window.__envdeskFake.state.levels['app/backend/production'];
        l.text = 'DB=other\nAPI_KEY=new-secret\n';
        l.revision = 7;
      });
      await d.getByRole('button', { name: 'Restore this value of API_KEY from revision 2' }).click();
      await d.getByTestId('restore-confirm').getByRole('button', { name: 'Restore API_KEY' }).click();
      await d.getByRole('alert').filter({ hasText: 'changed since it was read' }).waitFor();
      const l = await level(page);
      expect(l.text === 'DB=other\nAPI_KEY=new-secret\n' && l.revision === 7, `nothing written: ${JSON.stringify(l)}`);
      return page;
    },

    async key_history_opens_from_the_merged_view_at_the_source_level() {
      const { page } = await open(project + seed());
      await openEnv(page);
      await page.getByRole('tab', { name: 'Merged' }).click();
      // LOG comes from the target level: its history is the target's.
      await page.getByRole('button', { name: 'History of LOG at the target level' }).click();
      const d = page.getByRole('dialog', { name: 'History of LOG' });
      await d.waitFor();
      expect((await d.innerText()).includes('the target level of app › backend'), 'the history of the level LOG comes from');
      const asked = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'key_history').at(-1).args);
      expect(JSON.stringify(asked.path) === JSON.stringify({ project: 'app', target: 'backend' }) && asked.name === 'LOG', JSON.stringify(asked));
      return page;
    },

    async key_history_dialog_axe_both_themes() {
      const found = [];
      let last;
      for (const theme of ['light', 'dark']) {
        const { page } = await open(project + seed(theme));
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
        await openTable(page);
        found.push(...(await audit(page, `${theme} table with last changed`)));
        const d = await openHistory(page);
        await d.getByRole('button', { name: 'Reveal value of API_KEY in revision 2' }).click();
        await d.getByRole('checkbox', { name: 'compare revision 4' }).check();
        await d.getByRole('checkbox', { name: 'compare revision 2' }).check();
        await d.getByRole('button', { name: 'Restore this value of API_KEY from revision 2' }).click();
        await d.getByTestId('restore-confirm').waitFor();
        found.push(...(await audit(page, `${theme} key history dialog`)));
        last = page;
      }
      expect(found.length === 0, `${found.length} serious or critical violations:\n${found.join('\n')}`);
      return last;
    },
  };
};
