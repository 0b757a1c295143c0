// Search everywhere (issue 14): Ctrl+K or Ctrl+Shift+F opens the palette from anywhere; key names of
// every unlocked project, comments and values when the toggles are on (a hit never shows a value);
// results grouped by project and level, arrow keys and Enter open the editor at the line; locked
// projects listed with Unlock; axe on the palette in both themes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** A second project, Shop (server-managed), with a key of the same family as app's. */
const shop = `
  const s = window.__envdeskFake.state;
  s.projects.push({ id: 'Pshop', slug: 'shop', name: 'Shop', managed: 'server', has_secrets: true, children: 1, status: null });
  s.targets.shop = [{ id: 'Tw', slug: 'web', name: 'Web', managed: null, has_secrets: null, children: 1, status: null }];
  s.envs['shop/web'] = [{ id: 'El', slug: 'live', name: 'Live', managed: null, has_secrets: null, children: null, status: 'production' }];
  s.levels['shop/web/live'] = { text: 'PORT=80\\n# the primary database\\nDATABASE_URL=postgres://needle@db\\n', revision: 1 };
  s.levels['app/backend/production'] = { text: 'DB=prod-db\\nDATABASE_POOL=5 # per worker\\n', revision: 1 };
`;

export default (h) => {
  const { open, project, expect } = h;
  const palette = (page) => page.getByRole('dialog', { name: 'Search everywhere' });
  const options = (page) => palette(page).getByRole('option');

  async function search(page, query) {
    await page.keyboard.press('Control+k');
    await palette(page).waitFor();
    await palette(page).getByRole('combobox', { name: 'Search keys' }).fill(query);
  }

  return {
    async search_everywhere_finds_keys_in_two_projects_and_opens_the_line() {
      const { page, errors } = await open(project + shop);
      await search(page, 'database');
      await page.waitForFunction(() => document.querySelectorAll('[role=option]').length === 2);
      const text = await palette(page).innerText();
      for (const want of ['app', 'backend › production', 'DATABASE_POOL', 'Shop', 'Web › Live', 'DATABASE_URL', 'line 3']) {
        expect(text.includes(want), `the palette shows ${want}: ${text}`);
      }
      expect(text.indexOf('DATABASE_POOL') < text.indexOf('DATABASE_URL'), 'grouped by project, in order');
      // The comment is shown without the comments toggle (names matched); never a value.
      expect(text.includes('# per worker'), 'the comment snippet beside the key');
      expect(!text.includes('needle') && !text.includes('prod-db'), 'no value in the results');
      // Arrow keys move through the results; Enter opens the second at its line.
      const input = palette(page).getByRole('combobox');
      expect((await options(page).nth(0).getAttribute('aria-selected')) === 'true', 'the first result is active');
      await input.press('ArrowDown');
      expect((await options(page).nth(1).getAttribute('aria-selected')) === 'true', 'ArrowDown moves on');
      expect((await input.getAttribute('aria-activedescendant')) === 'search-hit-1', 'the input names the active result');
      await input.press('Enter');
      await palette(page).waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.startsWith('DATABASE_URL='));
      expect(await page.getByRole('button', { name: 'Live', exact: true }).isVisible(), 'the tree shows the node opened');
      // Ctrl+Shift+F opens it too (from the editor); Esc closes it.
      await page.keyboard.press('Control+Shift+F');
      await palette(page).waitFor();
      await page.keyboard.press('Escape');
      await palette(page).waitFor({ state: 'detached' });
      expect(!errors.length, errors.join('; '));
      return page;
    },

    async search_everywhere_renders_a_screen_of_hits_at_a_time() {
      const many = `
        const m = window.__envdeskFake.state;
        m.levels['app/backend/production'] = { text: Array.from({ length: 150 }, (_, i) => 'MANY_' + i + '=x').join('\\n') + '\\n', revision: 1 };
      `;
      const { page } = await open(project + many);
      await search(page, 'many_');
      await page.waitForFunction(() => document.querySelector('#search-results')?.dataset.answered === 'many_');
      const first = await options(page).count();
      expect(first === 30, `a screen of hits, not all 150: ${first}`);
      expect((await options(page).nth(0).getAttribute('aria-setsize')) === '150', 'each option says how many there are');
      // Walking past the last rendered one with the arrows renders more, and the active one is there.
      const input = palette(page).getByRole('combobox');
      for (let i = 0; i < 32; i++) await input.press('ArrowDown');
      expect((await input.getAttribute('aria-activedescendant')) === 'search-hit-32', 'the 33rd is active');
      expect((await page.locator('#search-hit-32').getAttribute('aria-selected')) === 'true', 'and in the page');
      // Scrolling to the end of the list renders more.
      const before = await options(page).count();
      await page.locator('#search-results').evaluate((el) => {
        el.scrollTop = el.scrollHeight;
        el.dispatchEvent(new Event('scroll'));
      });
      await page.waitForFunction((n) => document.querySelectorAll('[role=option]').length > n, before);
      return page;
    },

    async search_everywhere_enter_typed_fast_opens_what_was_typed() {
      const { page } = await open(project + shop);
      await page.keyboard.press('Control+k');
      const input = palette(page).getByRole('combobox');
      await input.waitFor();
      // Typed and Enter at once, before the answer for the last letters: Enter waits for it.
      await input.pressSequentially('database_url');
      await input.press('Enter');
      await palette(page).waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.querySelector('.cm-activeLine')?.textContent?.startsWith('DATABASE_URL='));
      return page;
    },

    async search_everywhere_comments_and_values_only_with_their_toggles() {
      const { page } = await open(project + shop);
      await search(page, 'primary');
      await palette(page).getByText('No key matches “primary”.').waitFor();
      await palette(page).getByRole('checkbox', { name: 'comments' }).check();
      await page.waitForFunction(() => document.querySelectorAll('[role=option]').length === 1);
      expect((await options(page).first().innerText()).includes('the primary database'), 'the comment matches');
      const input = palette(page).getByRole('combobox');
      await input.fill('needle');
      await palette(page).getByText('No key matches “needle”.').waitFor();
      await palette(page).getByRole('checkbox', { name: 'values' }).check();
      await palette(page).getByText('value matches').waitFor();
      const text = await palette(page).innerText();
      expect(text.includes('DATABASE_URL') && !text.includes('postgres://'), `a value match names the key, not the value: ${text}`);
      const last = await page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'search').at(-1).args);
      expect(last.query === 'needle' && last.values === true && last.comments === true, JSON.stringify(last));
      return page;
    },

    async search_everywhere_lists_locked_projects_with_unlock() {
      const { page } = await open(project + shop + `s.lockedProjects = ['shop'];`);
      await search(page, 'database');
      const locked = palette(page).getByRole('region', { name: 'Locked projects' });
      await locked.getByText('Locked — unlock to search').waitFor();
      // Only the unlocked project is searched.
      await page.waitForFunction(() => document.querySelectorAll('[role=option]').length === 1);
      await locked.getByRole('button', { name: 'Unlock Shop' }).click();
      await locked.waitFor({ state: 'detached' });
      await page.waitForFunction(() => document.querySelectorAll('[role=option]').length === 2);
      return page;
    },

    async search_everywhere_palette_passes_axe_in_both_themes() {
      const found = [];
      let page;
      for (const theme of ['light', 'dark']) {
        ({ page } = await open(project + shop + `s.lockedProjects = ['shop']; s.settings.theme = '${theme}';`));
        await page.waitForFunction((t) => document.documentElement.dataset.theme === t, theme);
        await search(page, 'd');
        await palette(page).getByRole('checkbox', { name: 'values' }).check();
        await page.waitForFunction(() => document.querySelectorAll('[role=option]').length > 1);
        await palette(page).getByText('Locked — unlock to search').waitFor();
        await page.addScriptTag({ content: axeSource });
        await page.waitForTimeout(60);
        const result = await page.evaluate(() => window.axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'], resultTypes: ['violations'] }));
        for (const v of result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')) {
          for (const n of v.nodes) found.push(`${theme}: ${v.impact} ${v.id} at ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ').slice(0, 200)}`);
        }
        if (theme === 'light') await page.context().close();
      }
      expect(!found.length, found.join('\n'));
      return page;
    },
  };
};
