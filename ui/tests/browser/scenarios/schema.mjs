// The schema of secrets (issue 16) on screen: a value that breaks its key's `@type` is an error lint at
// its line (the analysis of a level comes from Rust with the node's schema, `analyze_level`); the table
// shows a key's type, flags and description; the merged view names a missing required key and marks a
// row that breaks the schema, and shows an `@public` value unmasked; a strict project's refusal keeps
// the text; an export of an environment that breaks its schema asks before writing anything.
//
// The fake backend answers as the Rust side does (`crates/core/src/schema.rs` decides; these are its
// answers for these texts, checked in `tests/app/main.rs::the_schema_is_linted_checked_on_save_and_gates_exports`).
export default (h) => {
  const { open, project, openEnv, expect, shots } = h;

  const schemaSeed = `${project}
    const fk = window.__envdeskFake;
    fk.state.levels['app//'] = { text: '# @description: Where it listens\\n# @required @type: port\\nPORT=\\n# @public\\nLOG=info\\n', revision: 1 };
    fk.state.levels['app/backend/production'] = { text: 'DB=prod-db\\nPORT=abc\\n', revision: 1 };
    const plain = fk.handlers.analyze_level;
    fk.handlers.analyze_level = (a) => {
      const out = plain(a);
      const line = a.text.split('\\n').findIndex((l) => l === 'PORT=abc');
      if (line >= 0) out.lints = [...out.lints, { line: line + 1, code: 'schema_type', severity: 'error', message: '\`PORT\` is not a port number (1 to 65535) (\`@type: port\`)', fix: null }];
      out.entries = out.entries.map((e) => e.key === 'PORT' ? { ...e, schema: { description: 'Where it listens', value_type: 'port', required: true, sensitive: null, expires: null, rotate_every_days: null, unknown: [] } } : e);
      return out;
    };
    // What the view's windows say (Rust computes it for every window, the first one sent with the node too).
    const patch = (w) => {
      if (!w) return w;
      w.rows = w.rows.map((r) => r.key === 'PORT'
        ? { ...r, description: 'Where it listens', value_type: 'port', problems: [{ key: 'PORT', kind: { kind: 'wrong_type', expected: 'port', reason: 'is not a port number (1 to 65535)' }, severity: 'error', message: '\`PORT\` is not a port number (1 to 65535) (\`@type: port\`)' }] }
        : r.key === 'LOG' ? { ...r, sensitive: false } : r);
      w.missing = [{ key: 'API_KEY', kind: { kind: 'missing' }, severity: 'error', message: '\`API_KEY\` is required (by the project level) and not set' }];
      w.schema_errors = 2;
      return w;
    };
    const rows = fk.handlers.merged_rows;
    fk.handlers.merged_rows = (a) => patch(rows(a));
    const readNode = fk.handlers.read_node;
    fk.handlers.read_node = (a) => {
      const n = readNode(a);
      return { ...n, first: patch(n.first) };
    };
  `;

  return {
    async a_value_breaking_its_type_is_an_error_at_its_line_and_the_table_shows_the_schema() {
      const { page } = await open(schemaSeed);
      await openEnv(page);
      // The level's analysis asked Rust with the node's view (the schema of the levels above).
      const asked = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'analyze_level').map((c) => c.args));
      expect(asked.length > 0 && asked.every((a) => a.level === 'environment' && typeof a.view === 'number'), JSON.stringify(asked));
      const problem = page.locator('li.error', { hasText: 'is not a port number' });
      await problem.waitFor();
      expect((await problem.textContent()).includes('“PORT” is not a port number (1 to 65535) (“@type: port”)'), await problem.textContent());
      await page.locator('.cm-lintRange-error').first().waitFor();
      await page.getByRole('button', { name: 'table' }).click();
      const row = page.locator('tr[data-key="PORT"]');
      await row.getByTestId('key-schema').waitFor();
      const badges = await row.getByTestId('key-schema').textContent();
      expect(badges.includes('port') && badges.includes('required'), badges);
      expect((await row.getByTestId('key-description').textContent()) === 'Where it listens', 'description');
      await page.screenshot({ path: `${shots}/schema-table.png` });
      return page;
    },

    async the_merged_view_names_missing_keys_and_marks_broken_rows() {
      const { page } = await open(schemaSeed);
      await openEnv(page);
      await page.getByRole('tab', { name: 'Merged' }).click();
      const summary = page.getByTestId('schema-summary').last();
      await summary.waitFor();
      expect((await summary.textContent()).includes('2 errors'), await summary.textContent());
      expect((await page.getByTestId('schema-missing').last().textContent()) === '“API_KEY” is required (by the project level) and not set', 'missing');
      const table = page.locator('[data-testid=merged-table]').last();
      const mark = table.locator('tr[data-key="PORT"] [data-testid=schema-problem]');
      await mark.waitFor();
      expect((await mark.getAttribute('aria-label')).includes('not a port number'), 'the mark says why');
      // `@public`: shown; the others masked.
      await table.locator('tr[data-key="LOG"]').getByText('debug', { exact: true }).waitFor();
      expect((await table.locator('tr[data-key="DB"]').getByText('prod-db').count()) === 0, 'DB stays masked');
      await page.screenshot({ path: `${shots}/schema-merged.png` });
      return page;
    },

    async the_table_edits_a_typed_value_with_the_control_its_type_calls_for() {
      const { page } = await open(`${project}
        const fk = window.__envdeskFake;
        fk.state.levels['app/backend/production'] = { text: 'DB=prod-db\\nPORT=8080\\nLOG=info\\nDEBUG=yes\\n', revision: 1 };
        const types = { PORT: 'port', LOG: 'enum(debug|info|warn)', DEBUG: 'bool' };
        const plain = fk.handlers.analyze_level;
        fk.handlers.analyze_level = (a) => {
          const out = plain(a);
          out.entries = out.entries.map((e) => types[e.key] ? { ...e, schema: { description: null, value_type: types[e.key], required: null, sensitive: null, expires: null, rotate_every_days: null, unknown: [] } } : e);
          return out;
        };
      `);
      await openEnv(page);
      await page.getByRole('button', { name: 'table' }).click();
      const edited = () => page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'edit_text').map((c) => c.args.edit));
      // An enum: a choice of its values.
      await page.getByRole('button', { name: 'Edit value of LOG' }).click();
      const choice = page.getByTestId('typed-choice');
      await choice.selectOption('warn');
      await page.getByRole('button', { name: 'Save LOG' }).click();
      await page.waitForFunction(() => window.__envdeskFake.state.calls.some((c) => c.cmd === 'edit_text' && c.args.edit.key === 'LOG'));
      // A bool: a switch that writes back the spelling the value used.
      await page.getByRole('button', { name: 'Edit value of DEBUG' }).click();
      await page.getByRole('switch', { name: 'Value of DEBUG' }).click();
      await page.getByRole('button', { name: 'Save DEBUG' }).click();
      await page.waitForFunction(() => window.__envdeskFake.state.calls.some((c) => c.cmd === 'edit_text' && c.args.edit.key === 'DEBUG'));
      // A port: a number field bounded as the type says.
      await page.getByRole('button', { name: 'Edit value of PORT' }).click();
      const number = page.getByTestId('typed-number');
      expect((await number.getAttribute('min')) === '1' && (await number.getAttribute('max')) === '65535', 'bounded');
      await page.screenshot({ path: `${shots}/schema-typed-editor.png` });
      const sets = (await edited()).filter((e) => e.op === 'set').map((e) => `${e.key}=${e.value}`);
      expect(JSON.stringify(sets) === '["LOG=warn","DEBUG=no"]', JSON.stringify(await edited()));
      return page;
    },

    async an_example_files_keys_become_required_at_the_level_picked() {
      const { page } = await open(`${project}
        window.__envdeskFake.state.chosen = { name: '.env.example', text: 'DB=changeme\\nSTRIPE_KEY=sk_test_placeholder\\n' };
      `);
      await openEnv(page);
      await page.getByRole('button', { name: 'Import' }).click();
      await page.getByRole('button', { name: /Choose a .env or JSON file/ }).click();
      await page.getByRole('button', { name: 'Require its keys (a schema)' }).click();
      const list = page.getByTestId('schema-import');
      await list.waitFor();
      const items = await list.locator('li').allTextContents();
      expect(JSON.stringify(items) === JSON.stringify(['+ # @required STRIPE_KEY=', '~ # @required above DB']), JSON.stringify(items));
      await page.getByRole('button', { name: 'Require and save' }).click();
      await page.getByText(/Made 2 keys required/).waitFor();
      const saved = await page.evaluate(() => window.__envdeskFake.state.levels['app/backend/production'].text);
      expect(saved.includes('# @required\nSTRIPE_KEY=\n') && !saved.includes('sk_test_placeholder') && saved.includes('DB=prod-db'), JSON.stringify(saved));
      return page;
    },

    async a_strict_projects_refusal_keeps_the_text() {
      const { page } = await open(`${schemaSeed}
        window.__envdeskFake.handlers.save_level = () => { throw { code: 'schema_violation', message: 'Not saved: this project is strict about its schema (\`# @schema: strict\`), and the text breaks it — 1 schema error: \`PORT\` is not a port number (1 to 65535) (\`@type: port\`).' }; };
      `);
      await openEnv(page);
      await page.locator('.cm-content').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('NEW=1\n');
      await page.keyboard.press('Control+s');
      await page.getByRole('alert').filter({ hasText: 'strict about its schema' }).waitFor();
      const save = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'save_level').at(-1).args);
      expect(typeof save.view === 'number', 'the save names its view: ' + JSON.stringify(save));
      expect((await page.locator('.cm-content').textContent()).includes('NEW=1'), 'the text is kept');
      await page.getByText('● unsaved').waitFor();
      return page;
    },

    async an_export_that_breaks_the_schema_asks_first() {
      const { page } = await open(`${schemaSeed}
        const fx = window.__envdeskFake;
        const write = fx.handlers.export_to_file;
        fx.handlers.export_to_file = (a) => {
          if (!a.schema_confirmed) throw { code: 'schema_violation', message: 'This environment breaks its schema — 1 schema error: \`PORT\` is not a port number (1 to 65535) (\`@type: port\`). Export it anyway only if that is what you mean.' };
          return write(a);
        };
      `);
      await openEnv(page);
      await page.getByRole('button', { name: 'Export' }).click();
      await page.getByRole('button', { name: 'Export…' }).click();
      await page.getByTestId('schema-refusal').waitFor();
      expect((await page.evaluate(() => Object.keys(window.__envdeskFake.state.written).length)) === 0, 'nothing written');
      await page.getByRole('button', { name: 'Export anyway…' }).click();
      await page.getByText(/Exported to \/tmp\/export.env/).waitFor();
      const calls = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'export_to_file').map((c) => c.args.schema_confirmed));
      expect(JSON.stringify(calls) === '[false,true]', JSON.stringify(calls));
      return page;
    },
    async the_tree_badges_environments_with_keys_expired_or_expiring() {
      const { page } = await open(`${project}
        window.__envdeskFake.state.expiry = { warn_days: 14, locked: [], unreadable: 0, alerts: [
          { path: { project: 'app', target: 'backend', environment: 'production' }, expired: 1, expiring: 1, first: '2026-11-30', messages: ['\`STRIPE_KEY\` expired on 2026-11-30', '\`API_TOKEN\` expires in 3 days (2026-12-05)'] },
          { path: { project: 'app', target: 'backend', environment: 'staging' }, expired: 0, expiring: 1, first: '2026-12-05', messages: ['\`API_TOKEN\` expires in 3 days (2026-12-05)'] },
        ] };
      `);
      // Collapsed, the project sums what is below it.
      const onProject = page.getByRole('treeitem', { name: /app/ }).first().getByTestId('expiry-badge').first();
      await onProject.waitFor();
      expect((await onProject.textContent()).trim() === '1 expired', await onProject.textContent());
      await page.getByRole('button', { name: 'Expand app' }).click();
      await page.getByRole('button', { name: 'Expand backend' }).click();
      const badges = page.getByTestId('expiry-badge');
      await badges.nth(1).waitFor();
      const texts = (await badges.allTextContents()).map((t) => t.trim());
      expect(JSON.stringify(texts) === JSON.stringify(['1 expired', '1 expiring']), JSON.stringify(texts));
      const title = await badges.first().getAttribute('title');
      expect(title === 'STRIPE_KEY expired on 2026-11-30\nAPI_TOKEN expires in 3 days (2026-12-05)', JSON.stringify(title));
      expect((await badges.first().getAttribute('class')).includes('expired') && (await badges.nth(1).getAttribute('class')).includes('expiring'), 'colours by severity');
      await page.screenshot({ path: `${shots}/schema-tree-expiry.png` });
      // A project locked: its badges go with its keys (the tree stays on screen).
      await page.evaluate(() => (window.__envdeskFake.state.locked = true));
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('button', { name: 'Lock app' }).click();
      await page.getByText('Locked app').first().waitFor();
      expect((await page.getByRole('button', { name: 'production', exact: true }).count()) === 1, 'the tree is still shown');
      expect((await page.getByTestId('expiry-badge').count()) === 0, 'no badge once locked');
      return page;
    },

    async the_matrix_marks_cells_that_break_the_schema() {
      const { page } = await open(`${project}
        window.__envdeskFake.state.matrixProblems = {
          DB: [{ column: 2, severity: 'error', message: '\`DB\` is not a URL (\`@type: url\`)' }, { column: 3, severity: 'warning', message: '\`DB\` expires in 3 days (2026-12-05)' }],
        };
      `);
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('tab', { name: 'Matrix' }).click();
      await page.getByTestId('matrix').waitFor();
      const sum = page.getByTestId('matrix-schema');
      await sum.waitFor();
      expect((await sum.textContent()).includes('1 error, 1 warning'), await sum.textContent());
      const cells = page.locator('[data-testid=matrix] tr[data-key="DB"] td.cell');
      expect((await cells.nth(2).getAttribute('data-schema')) === 'error' && (await cells.nth(3).getAttribute('data-schema')) === 'warning', 'marked by severity');
      const label = await cells.nth(2).locator('button.state').getAttribute('aria-label');
      expect(label.includes('Schema error: DB is not a URL (@type: url).'), label);
      await page.getByRole('checkbox', { name: /Only keys that break the schema \(1\)/ }).check();
      await page.getByTestId('matrix-summary').filter({ hasText: '1 of 3 keys' }).waitFor();
      await page.screenshot({ path: `${shots}/schema-matrix.png` });
      return page;
    },

    async the_expiry_warning_window_is_a_setting() {
      const { page } = await open(project);
      await page.getByRole('button', { name: 'Settings' }).click();
      const days = page.getByLabel(/Warn of keys expiring within days/);
      expect((await days.inputValue()) === '14', 'default 14');
      await days.fill('30');
      await page.getByLabel(/desktop notification once a day/).uncheck();
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const saved = await page.evaluate(() => window.__envdeskFake.state.settings);
      expect(saved.expiry_warning_days === 30 && saved.expiry_notifications === false, JSON.stringify(saved));
      const asked = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'expiry_report').length);
      expect(asked >= 2, `the badges were read again with the new window (${asked} reports)`);
      return page;
    },
  };
};
