// Polish (issue 13, item 15): the dark theme reaches what CodeMirror and the platform draw (the diff's
// collapsed-line bars and the strip between its texts, checkboxes, selects, scrollbars); an open dialog
// covers the editor's scrollbar; a typed confirmation reads as one sentence; the history list keeps each
// date and size on one line; a fieldset's legend sits on its border; and no screen shows internal words
// ("node") or raw backticks.
import { join } from 'node:path';

export default (h) => {
  const { open, openEnv, project, expect, shots } = h;

  const dark = `window.__envdeskFake.state.settings.theme = 'dark';`;
  const light = `window.__envdeskFake.state.settings.theme = 'light';`;
  /** Long levels: the editor scrolls, and a diff of them collapses its unchanged lines. */
  const many = (p, n = 40) => Array.from({ length: n }, (_, i) => `${p}${i}=v${i}`).join('\\n');
  const long = `
    window.__envdeskFake.state.levels['app/backend/production'] = { text: 'DB=prod-db\\n${many('P')}\\n', revision: 1 };
    window.__envdeskFake.state.levels['app/backend/staging'] = { text: 'DB=stage-db\\nONLY_STAGING=1\\n${many('P')}\\n', revision: 1 };
  `;
  const shot = (page, name) => page.screenshot({ path: join(shots, `${name}.png`) });
  const themed = (page, theme) => page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);

  /** Relative luminance (WCAG) of a computed colour, composited on white or black for its alpha. */
  const LUMINANCE = `(css, under) => {
    const m = css.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const [r, g, b, a = 1] = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    const mix = (c) => (c * a + under * (1 - a)) / 255;
    const lin = (c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    return 0.2126 * lin(mix(r)) + 0.7152 * lin(mix(g)) + 0.0722 * lin(mix(b));
  }`;

  /** The history of production with one version whose first line differs: the diff beside it collapses the rest. */
  async function historyDiff(page) {
    await page.evaluate(() => {
      const f = window.__envdeskFake;
      const l = f.state.levels['app/backend/production'];
      f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: l.text.replace('DB=prod-db', 'DB=older'), base_revision: l.revision });
    });
    await page.getByRole('tab', { name: 'History' }).click();
    await page.locator('[data-version] button').first().click();
    await page.waitForSelector('.detail [data-testid=merge-view] .cm-collapsedLines');
  }

  /** The backgrounds CodeMirror's merge view paints: the collapsed-line bars and the gutters between the texts. */
  const mergeColours = (page) =>
    page.evaluate((lum) => {
      const luminance = eval(lum);
      const root = document.querySelector('.detail [data-testid=merge-view]');
      const of = (el) => {
        const s = getComputedStyle(el);
        return { image: s.backgroundImage, colour: s.backgroundColor, luminance: luminance(s.backgroundColor, 0) };
      };
      return {
        bars: [...root.querySelectorAll('.cm-collapsedLines')].map(of),
        gutters: [...root.querySelectorAll('.cm-gutters')].map(of),
        scheme: getComputedStyle(document.documentElement).colorScheme,
      };
    }, LUMINANCE);

  /** The computed look of the native controls the page draws itself. */
  const controls = (page, selector) =>
    page.locator(selector).evaluateAll(
      (els, lum) => {
        const luminance = eval(lum);
        return els.map((el) => {
          const s = getComputedStyle(el);
          return { what: `${el.tagName.toLowerCase()}[${el.type}]`, appearance: s.appearance, luminance: luminance(s.backgroundColor, 0) };
        });
      },
      LUMINANCE,
    );

  return {
    async polish_dark_theme_reaches_the_diff_bars_and_native_controls() {
      const { page } = await open(project + long + dark);
      await themed(page, 'dark');
      expect((await page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)) === 'dark', 'color-scheme is dark');
      await openEnv(page);
      await historyDiff(page);
      const c = await mergeColours(page);
      expect(c.bars.length >= 1 && c.gutters.length === 2, 'collapsed bars and both gutters present: ' + JSON.stringify(c));
      for (const bar of c.bars) expect(bar.image === 'none' && bar.luminance < 0.05, 'a collapsed-line bar is dark, with no light gradient: ' + JSON.stringify(bar));
      for (const g of c.gutters) expect(g.image === 'none' && g.luminance < 0.05, 'the strip beside a diff text is dark: ' + JSON.stringify(g));
      await shot(page, 'polish_dark_theme-history_diff');

      // Checkboxes, radio buttons and selects are drawn by the page, on the theme's surface.
      await page.getByRole('button', { name: 'Export' }).click();
      await page.getByRole('dialog').waitFor();
      const drawn = await controls(page, '[role=dialog] input[type=checkbox], [role=dialog] input[type=radio]:not(:checked), [role=dialog] select');
      expect(drawn.length >= 3, 'controls found: ' + JSON.stringify(drawn));
      for (const d of drawn) expect(d.appearance === 'none' && d.luminance < 0.05, 'a control is drawn dark: ' + JSON.stringify(d));
      await shot(page, 'polish_dark_theme-export_controls');
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

      // The same places in the light theme are light.
      const other = await open(project + long + light);
      await themed(other.page, 'light');
      expect((await other.page.evaluate(() => getComputedStyle(document.documentElement).colorScheme)) === 'light', 'color-scheme is light');
      await openEnv(other.page);
      await historyDiff(other.page);
      const l = await mergeColours(other.page);
      for (const x of [...l.bars, ...l.gutters]) expect(x.luminance > 0.7, 'light theme: bars and gutters are light: ' + JSON.stringify(x));
      await shot(other.page, 'polish_light_theme-history_diff');
      await other.context.close();
      return page;
    },

    async polish_open_dialog_covers_the_editor_scrollbar() {
      const { page } = await open(project + long + dark);
      await openEnv(page);
      // The point on the editor's vertical scrollbar. It is drawn by the page (app.css: 10px, in the theme's
      // colours), so it is painted in order under a dialog also where the engine paints its own overlay
      // scrollbars last (WebKitGTK without compositing). Headless Chromium hides scrollbars: their style is read.
      const bar = await page.evaluate((lum) => {
        const luminance = eval(lum);
        const s = document.querySelector('[data-testid=editor] .cm-scroller');
        const r = s.getBoundingClientRect();
        const thumb = getComputedStyle(s, '::-webkit-scrollbar-thumb').backgroundColor;
        return { x: r.right - 4, y: r.top + r.height / 2, width: getComputedStyle(s, '::-webkit-scrollbar').width, thumb: luminance(thumb, 0), scrolls: s.scrollHeight > s.clientHeight };
      }, LUMINANCE);
      expect(bar.scrolls && bar.width === '10px' && bar.thumb > 0.02 && bar.thumb < 0.2, "the editor scrolls, with the page's own dark scrollbar: " + JSON.stringify(bar));
      const at = (p) => page.evaluate(({ x, y }) => {
        const el = document.elementFromPoint(x, y);
        return { scroller: !!el?.closest('.cm-scroller'), backdrop: !!el?.closest('.backdrop'), z: el?.closest('.backdrop') ? getComputedStyle(el.closest('.backdrop')).zIndex : null };
      }, p);
      expect((await at(bar)).scroller, 'before: the point is on the editor');
      await page.getByRole('button', { name: 'Delete production' }).click();
      await page.getByRole('dialog').waitFor();
      const covered = await at(bar);
      expect(covered.backdrop && !covered.scroller, 'with a dialog open the point belongs to its backdrop: ' + JSON.stringify(covered));
      // The backdrop is a stacking context of its own, above the page's positioned parts (CodeMirror's included).
      const stack = await page.evaluate(() => {
        const b = getComputedStyle(document.querySelector('.backdrop'));
        return { isolation: b.isolation, z: Number(b.zIndex) };
      });
      expect(stack.isolation === 'isolate' && stack.z >= 20, 'the backdrop isolates: ' + JSON.stringify(stack));
      return page;
    },

    async polish_typed_confirmation_reads_as_one_sentence() {
      const { page } = await open(project + dark);
      await openEnv(page);
      /** The sentence above the field: its text and how many lines it takes. */
      const sentence = (dialog) =>
        dialog.locator('label:has(input[aria-label="Type the name to confirm"]) .sentence').evaluate((el) => {
          const r = document.createRange();
          r.selectNodeContents(el);
          const tops = new Set([...r.getClientRects()].map((x) => Math.round(x.top)));
          return { text: el.textContent, lines: tops.size };
        });
      await page.getByRole('button', { name: 'Delete production' }).click();
      const del = page.getByRole('dialog', { name: /^Delete/ });
      await del.waitFor();
      const d = await sentence(del);
      expect(d.text === 'Type production to confirm:' && d.lines === 1, 'delete: one sentence on one line: ' + JSON.stringify(d));
      await shot(page, 'polish_typed_confirmation-delete');
      await del.getByRole('button', { name: 'Close' }).click();

      await page.getByRole('tab', { name: 'History' }).click();
      await page.evaluate(() => {
        const f = window.__envdeskFake;
        f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: 'DB=v2\n', base_revision: 1 });
      });
      await page.getByRole('tab', { name: 'Levels' }).click();
      await page.getByRole('tab', { name: 'History' }).click();
      await page.getByRole('button', { name: 'Purge all…' }).click();
      const purge = page.getByRole('dialog', { name: /^Purge/ });
      await purge.waitFor();
      const p = await sentence(purge);
      expect(p.text === 'Type production to confirm:' && p.lines === 1, 'purge: one sentence on one line: ' + JSON.stringify(p));
      await purge.getByRole('button', { name: 'Close' }).click();

      // An in-app question is one paragraph.
      await page.locator('[data-version] button').first().click();
      await page.getByRole('button', { name: 'Restore' }).click();
      const ask = page.getByRole('dialog', { name: 'Restore this version?' });
      await ask.waitFor();
      const paragraphs = await ask.locator('.body > p').allTextContents();
      expect(paragraphs.length === 1 && /^Revision \d+ becomes the current content of the environment level of app › backend › production\. The current content stays in the history\.$/.test(paragraphs[0]), 'one paragraph: ' + JSON.stringify(paragraphs));
      return page;
    },

    async polish_history_keeps_dates_and_sizes_on_one_line() {
      const versions = `
        const at = (d) => new Date(Date.UTC(2026, 11, d, 21, 9, 35)).toISOString();
        const v = (id, rev, size, name, locked = false) => ({ type: 'secret-versions', id, text: 'DB=' + id + '\\n', attributes: { action: 'update', size_bytes: size, is_client_encrypted: true, encryption_key_version: '1', key_version: '1', created_at: at(10 + rev), created_by: { id: 1, name }, locked, locked_reason: locked ? 'kept by policy' : null, revision: rev } });
        window.__envdeskFake.state.versions['app/backend/production'] = [
          v('13', 3, 123456, 'Maximiliane Oberhuber-Castellanos (platform team)'),
          v('12', 2, 1023, 'local vault', true),
          v('11', 1, 98765432, 'ci'),
        ];
      `;
      const { page } = await open(project + versions + dark);
      await openEnv(page);
      for (const width of [1280, 1000]) {
        await page.setViewportSize({ width, height: 760 });
        await page.getByRole('tab', { name: 'History' }).click();
        await page.locator('[data-version]').first().waitFor();
        const cells = await page.locator('[data-testid=version-time], [data-testid=version-size]').evaluateAll((tds) =>
          tds.map((td) => {
            // The height of what the cell holds, in lines of its text (a badge beside a date is as tall as a line).
            const r = document.createRange();
            r.selectNodeContents(td);
            const rects = [...r.getClientRects()].filter((x) => x.width > 0);
            const height = Math.max(...rects.map((x) => x.bottom)) - Math.min(...rects.map((x) => x.top));
            const cs = getComputedStyle(td);
            const line = parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.25;
            return { text: td.textContent.trim(), lines: Math.round(height / line) };
          }),
        );
        await shot(page, `polish_history-${width}`);
        expect(cells.length === 6, 'three dates and three sizes: ' + JSON.stringify(cells));
        const sizes = cells.map((c) => c.text).filter((t) => /B$/.test(t));
        expect(JSON.stringify(sizes) === JSON.stringify(['120.6 KB', '1023 B', '94.2 MB']), 'sizes in B, KB and MB: ' + JSON.stringify(sizes));
        for (const c of cells) expect(c.lines === 1, `${width}px: one line: ` + JSON.stringify(c));
        await page.locator('[data-version] button').first().click();
        await page.waitForSelector('.detail [data-testid=merge-view] .cm-mergeView');
        const list = await page.evaluate(() => {
          const s = document.querySelector('section.list');
          const d = document.querySelector('section.detail').getBoundingClientRect();
          const l = s.getBoundingClientRect();
          const rows = [...s.querySelectorAll('tbody tr')].map((tr) => Math.round(tr.getBoundingClientRect().height));
          return { overflow: s.scrollWidth - s.clientWidth, detail: Math.round(d.width), beside: d.left >= l.right, under: d.top >= l.bottom, rows };
        });
        await shot(page, `polish_history-${width}-version`);
        // The list is as wide as its rows (not squeezed beside an empty half), nothing in it cut or scrolled
        // away, every row as tall (a locked one too); in a narrow window the version goes under it.
        expect(list.overflow === 0 && list.detail >= 300 && (width === 1280 ? list.beside : list.under), `${width}px: the list fits, the version gets the rest: ` + JSON.stringify(list));
        expect(list.rows.every((r) => r === list.rows[0]), 'rows of one height: ' + JSON.stringify(list.rows));
        await page.getByRole('tab', { name: 'Levels' }).click();
      }
      await page.getByRole('tab', { name: 'History' }).click();
      await page.locator('[data-version]').first().waitFor();
      return page;
    },

    async polish_fieldset_legends_sit_on_the_border() {
      const { page } = await open(project + dark);
      await openEnv(page);
      const check = async (what) => {
        const g = await page.locator('[role=dialog] fieldset').evaluateAll((fss) =>
          fss.map((fs) => {
            const f = fs.getBoundingClientRect();
            const l = fs.querySelector('legend').getBoundingClientRect();
            const s = getComputedStyle(fs);
            // Where its content ends, with the padding and border under it: the box ends there too.
            const last = [...fs.children].filter((c) => c.tagName !== 'LEGEND' && c.getClientRects().length).at(-1).getBoundingClientRect();
            const end = last.bottom + parseFloat(s.paddingBottom) + parseFloat(s.borderBottomWidth);
            return { display: s.display, border: s.borderTopStyle, excess: Math.round(f.bottom - end), fs: [f.left, f.top, f.right, f.bottom].map(Math.round), legend: [l.left, l.top, l.right, l.bottom].map(Math.round) };
          }),
        );
        expect(g.length >= 1, `${what}: a fieldset`);
        for (const x of g) {
          const [fl, ft, fr] = x.fs;
          const [ll, lt, lr, lb] = x.legend;
          // The legend straddles the top border, as wide as its words (a flex fieldset in WebKitGTK stretches it
          // over the whole border), clear of the left corner; no empty band at the bottom.
          expect(x.display === 'grid' && x.border === 'solid' && lt <= ft + 1 && lb >= ft && ll > fl + 4 && lr - ll < (fr - fl) / 2, `${what}: the legend sits on the border: ` + JSON.stringify(x));
          expect(Math.abs(x.excess) <= 1, `${what}: the box ends under its content: ` + JSON.stringify(x));
        }
        await shot(page, `polish_fieldset-${what}`);
        await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
      };
      await page.getByRole('button', { name: 'Export' }).click();
      await check('export');
      await page.getByRole('button', { name: '+ New project' }).click();
      await check('new-project');
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('button', { name: 'Rotate key…' }).click();
      await check('rotate');
      return page;
    },

    async polish_no_internal_words_on_screen() {
      // A level with a broken line and a lint: the messages of envdesk-core are on screen too.
      const broken = `window.__envdeskFake.state.levels['app/backend/staging'] = { text: 'DB=stage-db\\nOOPS: here\\nGREETING=hello world\\n', revision: 1 };`;
      const { page } = await open(project + broken + dark);
      const seen = [];
      const scan = async (screen) => {
        const found = await page.evaluate(() => {
          const text = document.body.innerText;
          const out = [];
          for (const m of text.matchAll(/[^\n]*(\bnodes?\b|`)[^\n]*/gi)) out.push(m[0].trim());
          // Names and hints a screen reader or a tooltip says.
          for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
            for (const a of ['aria-label', 'title', 'placeholder']) {
              const v = el.getAttribute(a);
              if (v && /\bnodes?\b|`/i.test(v)) out.push(`${a}="${v}"`);
            }
          }
          return out;
        });
        seen.push(screen);
        expect(found.length === 0, `${screen}: internal words or backticks on screen: ${JSON.stringify(found)}`);
      };
      const dialog = async (open, screen, ready = null) => {
        await open();
        await page.getByRole('dialog').waitFor();
        if (ready) await ready();
        await scan(screen);
        await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
        await page.getByRole('dialog').waitFor({ state: 'detached' });
      };

      await scan('first screen');
      await openEnv(page);
      await scan('tree and levels (text)');
      await page.getByRole('button', { name: 'table' }).click();
      await scan('levels (table)');
      await page.getByRole('button', { name: 'text' }).click();
      await page.getByRole('tab', { name: 'Merged' }).click();
      await scan('merged');
      await page.getByRole('tab', { name: 'Diff' }).click();
      await page.waitForSelector('[data-testid=merge-view] .cm-mergeView');
      await scan('diff');
      await page.evaluate(() => {
        const f = window.__envdeskFake;
        f.handlers.save_level({ path: { project: 'app', target: 'backend', environment: 'production' }, text: 'DB=v2\n', base_revision: 1 });
      });
      await page.getByRole('tab', { name: 'History' }).click();
      await page.locator('[data-version] button').first().click();
      await page.waitForSelector('.detail [data-testid=merge-view] .cm-mergeView');
      await scan('history');
      await page.getByRole('tab', { name: 'Levels' }).click();

      await dialog(() => page.getByRole('button', { name: 'Settings' }).click(), 'settings');
      await dialog(() => page.getByRole('button', { name: 'Export' }).click(), 'export');
      await dialog(
        () => page.getByRole('button', { name: 'Import' }).click(),
        'import',
        async () => {
          await page.getByRole('button', { name: 'Choose a .env or JSON file…' }).click();
          await page.getByTestId('import-summary').waitFor();
        },
      );
      await dialog(() => page.getByRole('button', { name: 'Rename production' }).click(), 'rename');
      await dialog(() => page.getByRole('button', { name: 'Delete production' }).click(), 'delete');
      await dialog(() => page.getByRole('button', { name: '+ New project' }).click(), 'new project');
      await dialog(() => page.getByRole('button', { name: '+ environment' }).click(), 'new environment');

      // The level that does not parse: its problems, in the list under the editor and in the banner.
      await page.getByRole('button', { name: 'staging', exact: true }).click();
      await page.waitForSelector('[data-testid=editor] .cm-content');
      const problems = page.getByRole('region', { name: 'Problems' });
      await problems.getByText('expected “=” between key and value').waitFor();
      await scan('a level that does not parse');
      await page.getByRole('tab', { name: 'Merged' }).click();
      await page.getByTestId('parse-banner').first().waitFor();
      await scan('merged with a level that does not parse');
      expect(seen.length >= 14, 'screens scanned: ' + seen.join(', '));
      return page;
    },
  };
};
