// Issue 13, items 3 and 10: the effective-result panel's columns fit (dots, "reveal", "copy" and the level
// badge side by side, none clipped) and a revealed long value reads in a full-width row; the table view's
// "edit" focuses its field, Escape gives the focus back, a bad key is explained beside its field with
// what was typed kept (no toast), "remove" is not clipped, and comments show as written: a section
// comment as its own row, the comment after a value after it.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export default (h) => {
  const { open, openEnv, project, expect, shots } = h;

  const long = 'v'.repeat(120) + '-' + 'w'.repeat(79); // 200 characters
  /** The production level's text, and the theme. */
  const seed = (text, theme = 'light') => `
    window.__envdeskFake.state.levels['app/backend/production'] = { text: ${JSON.stringify(text)}, revision: 1 };
    window.__envdeskFake.state.settings.theme = '${theme}';
  `;
  const levelText = `# Database\nDB=x # inline\nDATABASE_CONNECTION_STRING_FOR_REPORTING=${long}\n# @tags: cache, ops\nREDIS_URL=redis://cache:6379/0\n`;

  const box = (loc) => loc.boundingBox();
  const overlap = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
  const inside = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.width <= b.x + b.width + 0.5 && a.y + a.height <= b.y + b.height + 0.5;
  const show = (b) => JSON.stringify(b && { x: Math.round(b.x), y: Math.round(b.y), w: Math.round(b.width), h: Math.round(b.height) });
  /** The text in the toasts (none expected for a bad key). */
  const toasts = (page) => page.locator('.toasts').innerText();

  async function openTable(page) {
    await openEnv(page);
    await page.getByRole('button', { name: 'table' }).click();
    await page.getByRole('table', { name: 'Keys of this level' }).waitFor();
  }

  /** Each row of the effective result: dots, buttons and badge apart, each inside its cell and the panel. */
  async function checkPanel(page) {
    const panel = page.getByRole('complementary', { name: 'Effective result' });
    const wrap = await box(panel.locator('.wrap'));
    const rows = panel.locator('tr[data-key]');
    const n = await rows.count();
    expect(n >= 4, `${n} rows in the effective result`);
    for (let i = 0; i < n; i++) {
      const row = rows.nth(i);
      const key = await row.getAttribute('data-key');
      const value = row.getByTestId('value');
      const parts = {
        key: await box(row.locator('td').first()),
        dots: await box(value),
        reveal: await box(row.getByRole('button', { name: /^(Reveal|Hide) value of/ })),
        copy: await box(row.getByRole('button', { name: /^Copy value of/ })),
        badge: await box(row.getByTestId('source')),
      };
      const names = Object.keys(parts);
      for (const a of names) {
        expect(parts[a] && inside(parts[a], wrap), `${key}: ${a} ${show(parts[a])} clipped by the panel ${show(wrap)}`);
        for (const b of names) if (a < b) expect(!overlap(parts[a], parts[b]), `${key}: ${a} ${show(parts[a])} overlaps ${b} ${show(parts[b])}`);
      }
      // The badge and the buttons are whole inside their cells (a cell clips what does not fit).
      const cells = row.locator('td');
      expect(inside(parts.badge, await box(cells.nth(2))), `${key}: the level badge is clipped by its cell`);
      expect(inside(parts.copy, await box(cells.nth(1))) && inside(parts.reveal, await box(cells.nth(1))), `${key}: a button is clipped by its cell`);
      // The dots are whole (not cut to "•••…") and one line; the button does not touch them.
      const dots = await value.evaluate((el) => ({ text: el.textContent, cut: el.scrollWidth > el.clientWidth + 1 }));
      if (dots.text === '••••••••') expect(!dots.cut, `${key}: the dots are cut`);
      expect(parts.dots.height < 24, `${key}: the value takes ${parts.dots.height}px`);
      expect(parts.reveal.x - (parts.dots.x + parts.dots.width) >= 4, `${key}: "reveal" is flush against the value`);
    }
    return panel;
  }

  /** Axe on the page as it is (WCAG 2.1 A/AA): the serious and critical violations. */
  async function audit(page, within = null) {
    if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
    const r = await page.evaluate((within) => window.axe.run(within ? { include: [within] } : document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] }), within);
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id} at ${n.target.join(' ')}`));
  }

  async function panelAndLongValue(theme) {
    const { page } = await open(project + seed(levelText, theme));
    await openEnv(page);
    await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
    const panel = await checkPanel(page);
    // Revealed, a 200-character value reads in a row of the panel's width, a few lines tall.
    const key = 'DATABASE_CONNECTION_STRING_FOR_REPORTING';
    await panel.getByRole('button', { name: `Reveal value of ${key}` }).click();
    const full = panel.getByRole('textbox', { name: `Full value of ${key}` });
    await full.waitFor();
    expect((await full.inputValue()) === long, 'the full value is the value');
    const fb = await box(full);
    const wrap = await box(panel.locator('.wrap'));
    expect(fb.width > wrap.width * 0.8, `the full value is ${fb.width}px wide in a ${wrap.width}px panel`);
    expect(fb.height < 6 * 20 && fb.height > 2 * 14, `the full value is ${fb.height}px tall`);
    expect(inside(fb, wrap), `the full value ${show(fb)} is inside the panel ${show(wrap)}`);
    const scroll = await full.evaluate((el) => ({ sh: el.scrollHeight, ch: el.clientHeight }));
    expect(scroll.sh <= scroll.ch + 1, `all of it shows: ${JSON.stringify(scroll)}`);
    // The row itself stays one line, and its buttons, badge and the other rows still fit.
    await checkPanel(page);
    // (The panel only: the editor beside it scrolls a 200-character line, which is the editor's matter.)
    const a11y = await audit(page, 'aside.side');
    expect(a11y.length === 0, a11y.join('; '));
    // "hide" takes the full row away.
    await panel.getByRole('button', { name: `Hide value of ${key}` }).click();
    await full.waitFor({ state: 'detached' });
    await panel.getByRole('button', { name: `Reveal value of ${key}` }).click();
    await full.waitFor();
    return page;
  }

  return {
    async effective_result_columns_fit_and_a_long_value_reads() {
      return panelAndLongValue('light');
    },

    async effective_result_columns_fit_and_a_long_value_reads_dark() {
      return panelAndLongValue('dark');
    },

    async table_edit_focuses_and_escape_gives_it_back() {
      const { page } = await open(project + seed(levelText));
      await openTable(page);
      await page.getByRole('button', { name: 'Edit value of DB' }).click();
      const value = page.getByRole('textbox', { name: 'Value of DB' });
      expect(await value.evaluate((el) => el === document.activeElement), '"edit" focuses the value field');
      expect((await value.inputValue()) === 'x', 'the field holds the value');
      await page.keyboard.press('Escape');
      await value.waitFor({ state: 'detached' });
      const edit = page.getByRole('button', { name: 'Edit value of DB' });
      expect(await edit.evaluate((el) => el === document.activeElement), 'Escape gives the focus back to "edit"');
      expect(await edit.evaluate((el) => el.matches(':focus-visible')), 'and it shows');
      // Enter saves the row (the comment after the value stays), and the focus comes back to its "edit".
      await page.keyboard.press('Enter');
      await value.fill('postgres://db');
      await value.press('Enter');
      await page.waitForFunction(() => document.querySelector('[data-testid=inline-comment]')?.closest('tr')?.dataset.key === 'DB');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Edit value of DB');
      await page.getByRole('button', { name: 'text' }).click();
      await page.locator('.cm-content').filter({ hasText: 'DB=postgres://db # inline' }).waitFor();
      return page;
    },

    async table_bad_key_is_explained_beside_its_field() {
      const { page } = await open(project + seed(levelText));
      await openTable(page);
      const before = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'edit_text').length);
      // A new key.
      const key = page.getByRole('textbox', { name: 'New key' });
      const val = page.getByRole('textbox', { name: 'New value' });
      await val.fill('some value');
      await key.fill('1BAD KEY');
      expect((await key.getAttribute('aria-invalid')) === 'true', 'the key field is marked invalid');
      const described = await key.evaluate((el) => document.getElementById(el.getAttribute('aria-describedby'))?.textContent);
      expect(/starts with a letter or _/.test(described ?? ''), `the field is described by its error: ${described}`);
      const err = await box(page.locator(`[id="${await key.getAttribute('aria-describedby')}"]`));
      const kb = await box(key);
      expect(Math.abs(err.y - (kb.y + kb.height)) < 12 && Math.abs(err.x - kb.x) < 12, `the error ${show(err)} is beside the field ${show(kb)}`);
      expect(await page.getByRole('button', { name: 'Add key' }).isDisabled(), 'Add key is disabled');
      await key.press('Enter');
      await val.press('Enter');
      await page.waitForTimeout(100);
      expect((await key.inputValue()) === '1BAD KEY' && (await val.inputValue()) === 'some value', 'what was typed is kept');
      expect((await toasts(page)).trim() === '', `no toast: ${await toasts(page)}`);
      // A space later in the key: its own words; fixed, the key is added and the fields are empty again.
      await key.fill('BAD KEY');
      await page.getByText('A key has only letters, digits, _, . and -, not a space.').waitFor();
      await key.fill('GOOD_KEY');
      expect((await key.getAttribute('aria-invalid')) === null, 'valid again');
      await key.press('Enter');
      await page.getByRole('button', { name: 'Edit value of GOOD_KEY' }).waitFor();
      expect((await key.inputValue()) === '' && (await val.inputValue()) === '', 'the fields are emptied once the key is added');
      expect(await key.evaluate((el) => el === document.activeElement), 'ready for the next key');

      // Renaming a key in its row: the same, and onto a key that exists.
      await page.getByRole('button', { name: 'Edit value of DB' }).click();
      const rowKey = page.getByRole('textbox', { name: 'Key of DB' });
      const rowVal = page.getByRole('textbox', { name: 'Value of DB' });
      await rowVal.fill('typed value');
      await rowKey.fill('1BAD KEY');
      expect((await rowKey.getAttribute('aria-invalid')) === 'true', 'the row key is marked invalid');
      expect(await page.getByRole('button', { name: 'Save DB' }).isDisabled(), 'save is disabled');
      await rowKey.press('Enter');
      await page.waitForTimeout(100);
      expect((await rowKey.inputValue()) === '1BAD KEY' && (await rowVal.inputValue()) === 'typed value', 'the row keeps what was typed');
      await rowKey.fill('REDIS_URL');
      await page.getByText('REDIS_URL already exists.').waitFor();
      expect((await toasts(page)).trim() === '', 'no toast for the row either');
      const after = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'edit_text').length);
      expect(after - before === 1, `only the good key went to the core (${after - before} edits)`);
      // A key name and value both saved by Enter: a rename then the value.
      await rowKey.fill('DB_URL');
      await rowKey.press('Enter');
      await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Edit value of DB_URL');
      await page.getByRole('button', { name: 'text' }).click();
      await page.locator('.cm-content').filter({ hasText: 'DB_URL=typed value # inline' }).waitFor();
      await page.getByRole('button', { name: 'table' }).click();
      await page.getByRole('textbox', { name: 'New key' }).fill('1BAD KEY');
      return page;
    },

    async table_columns_fit_and_remove_is_whole() {
      const { page } = await open(project + seed(levelText));
      await openTable(page);
      const table = page.getByRole('table', { name: 'Keys of this level' });
      const wrap = await box(page.locator('.wrap').filter({ has: table }));
      for (const key of ['DB', 'DATABASE_CONNECTION_STRING_FOR_REPORTING', 'REDIS_URL']) {
        const row = table.locator(`tr[data-key="${key}"]`);
        const remove = await box(row.getByRole('button', { name: `Remove ${key}` }));
        const edit = await box(row.getByRole('button', { name: `Edit value of ${key}` }));
        const cell = await box(row.locator('td').last());
        expect(inside(remove, wrap) && inside(remove, cell), `${key}: "remove" ${show(remove)} clipped (cell ${show(cell)}, table ${show(wrap)})`);
        expect(inside(edit, cell) && !overlap(edit, remove), `${key}: "edit" ${show(edit)} and "remove" ${show(remove)}`);
        const dots = row.getByTestId('value');
        const parts = [await box(dots), await box(row.getByRole('button', { name: `Reveal value of ${key}` })), await box(row.getByRole('button', { name: `Copy value of ${key}` }))];
        for (const p of parts) expect(inside(p, await box(row.locator('td').nth(1))), `${key}: value part ${show(p)} outside its cell`);
        expect(!overlap(parts[0], parts[1]) && !overlap(parts[1], parts[2]), `${key}: the value and its buttons overlap`);
        expect(await dots.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), `${key}: the dots are cut`);
        // A long key wraps within its cell rather than running under the value.
        const kc = await box(row.locator('td').first());
        const kt = await row.locator('td').first().evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
        expect(kt && kc.height < 60, `${key}: the key cell ${show(kc)} fits`);
      }
      // A long value revealed reads in a row of the table's width.
      const key = 'DATABASE_CONNECTION_STRING_FOR_REPORTING';
      await table.getByRole('button', { name: `Reveal value of ${key}` }).click();
      const full = table.getByRole('textbox', { name: `Full value of ${key}` });
      await full.waitFor();
      const fb = await box(full);
      expect(fb.width > wrap.width * 0.8 && fb.height < 6 * 20, `the full value ${show(fb)}`);
      // "remove" takes the row away and the focus to the next key's "edit".
      await table.getByRole('button', { name: 'Remove DB' }).click();
      await table.locator('tr[data-key="DB"]').waitFor({ state: 'detached' });
      await page.waitForFunction((k) => document.activeElement?.getAttribute('aria-label') === `Edit value of ${k}`, key);
      return page;
    },

    async table_shows_comments_as_written() {
      const { page } = await open(project + seed('# Database\nDB=x # inline\n\n## ---- Cache ----\n\nREDIS=r\n# the end\n'));
      await openTable(page);
      const table = page.getByRole('table', { name: 'Keys of this level' });
      const rows = table.locator('tbody tr');
      const texts = await rows.evaluateAll((trs) => trs.map((tr) => (tr.dataset.key ? `key ${tr.dataset.key}` : tr.innerText.trim())));
      expect(JSON.stringify(texts.slice(0, 5)) === JSON.stringify(['# Database', 'key DB', '## ---- Cache ----', 'key REDIS', '# the end']), JSON.stringify(texts));
      // The section comment is a row of its own, the table's width, not inside the key's cell.
      const comment = table.getByTestId('comment-row').first();
      const cb = await box(comment.locator('td'));
      const tb = await box(table);
      expect(cb.width > tb.width - 4, `the comment row ${show(cb)} spans the table ${show(tb)}`);
      expect(cb.height < 40, `the comment is one line: ${show(cb)}`);
      const db = table.locator('tr[data-key="DB"]');
      expect(!(await db.innerText()).includes('Database'), 'the comment is not in the key row');
      // The comment after the value, as written, after it.
      const inline = db.getByTestId('inline-comment');
      expect((await inline.innerText()) === '# inline', 'the inline comment as written');
      const ib = await box(inline);
      const vb = await box(db.getByTestId('value'));
      expect(ib.x >= vb.x - 1 && (ib.y >= vb.y + vb.height - 2 || ib.x > vb.x + vb.width), 'after the value');
      const colour = await inline.evaluate((el) => getComputedStyle(el).color);
      const text = await db.getByTestId('value').evaluate((el) => getComputedStyle(el).color);
      expect(colour !== text, 'in a muted colour');
      await page.screenshot({ path: join(shots, 'table_shows_comments_as_written-light.png') });
      return page;
    },

    async table_states_in_light_and_dark_pass_axe() {
      const found = [];
      for (const theme of ['light', 'dark']) {
        const { page } = await open(project + seed(levelText, theme));
        await openTable(page);
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
        await page.getByRole('button', { name: 'Reveal value of DATABASE_CONNECTION_STRING_FOR_REPORTING' }).first().click();
        await page.getByRole('button', { name: 'Edit value of DB' }).click();
        await page.getByRole('textbox', { name: 'Key of DB' }).fill('1BAD KEY');
        await page.getByRole('textbox', { name: 'New key' }).fill('2 BAD');
        found.push(...(await audit(page)).map((v) => `${theme}: ${v}`));
        await page.screenshot({ path: join(shots, `table_states-${theme}.png`) });
        if (theme === 'light') await page.context().close();
        else {
          expect(found.length === 0, found.join('; '));
          return page;
        }
      }
    },
  };
};
