// Issue 15, "In the app, a server connection shows an Activity view (filterable, paged) of that log,
// and the history of a level shows who read it last": the Activity button only on a server connection;
// 50 entries a page with the total; filters (what, where, a token by its name, days) start again at the
// newest page and are what Rust is asked for; a token without audit:read is told which ability to ask
// for; the history of a level names its last reader.
export default (h) => {
  const { open, openEnv, project, expect } = h;

  /** A server connection whose log has 120 entries, the newest a read of production by `ci`. */
  const seed = `
    const fk = window.__envdeskFake.state;
    fk.connections.push({ id: 'srv', name: 'Team server', url: 'https://secrets.example.com', organization: '01ORG' });
    const day = 86400e3;
    for (let i = 0; i < 120; i++) {
      const kinds = [['secret.read', 'success', 'app/backend/production'], ['secret.updated', 'success', 'app/backend/staging'], ['authz.access_denied', 'denied', 'app'], ['key.accessed', 'success', 'app']];
      const [event, outcome, node] = kinds[i % 4];
      const [token_id, token] = i % 3 === 0 ? ['7', 'ci'] : ['1', 'admin'];
      fk.audit.push({ id: String(i + 1), at: new Date(Date.now() - (120 - i) * day / 10).toISOString(), event, outcome, error: outcome === 'denied' ? 'insufficient_permissions' : null, token, token_id, ability: outcome === 'denied' ? 'secret:write' : 'secret:read', node, version: null, client: '10.0.0.5' });
    }
    fk.audit.push({ id: '121', at: new Date().toISOString(), event: 'secret.read', outcome: 'success', error: null, token: 'ci', token_id: '7', ability: 'secret:read', node: 'app/backend/production', version: null, client: '10.0.0.9' });
  `;
  const asked = (page) => page.evaluate(() => window.__envdeskFake.state.calls.filter((c) => c.cmd === 'activity').map((c) => c.args).at(-1));

  async function toServer(page) {
    await page.getByLabel('Connection').selectOption('srv');
    await page.getByRole('button', { name: 'Expand app' }).waitFor();
  }

  return {
    async activity_is_paged_and_filtered_on_a_server_connection() {
      const { page, errors } = await open(project + seed);
      expect((await page.getByRole('button', { name: 'Activity' }).count()) === 0, 'no Activity on the local vault');
      await toServer(page);
      await page.getByRole('button', { name: 'Activity' }).click();
      const d = page.getByRole('dialog', { name: 'Activity of Team server' });
      const rows = d.getByTestId('activity').locator('tbody tr');
      await rows.first().waitFor();
      expect((await rows.count()) === 50, `50 rows a page, not ${await rows.count()}`);
      expect((await d.getByText('Page 1 of 3 · 121 entries').count()) === 1, 'the page and the total');
      const first = await rows.first().innerText();
      expect(first.includes('ci') && first.includes('read') && first.includes('app/backend/production') && first.includes('10.0.0.9'), `the newest first: ${first}`);

      await d.getByRole('button', { name: 'Older' }).click();
      await d.getByText('Page 2 of 3').waitFor();
      expect((await asked(page)).page === 2, 'the second page asked for');

      await d.getByLabel('What').selectOption('denied');
      await d.getByText('Page 1 of 1 · 30 entries').waitFor();
      const q = await asked(page);
      expect(q.kind === 'denied' && q.page === 1, `a filter starts again at the newest page: ${JSON.stringify(q)}`);
      expect((await rows.first().innerText()).includes('denied (secret:write)'), 'a refusal names the ability');

      await d.getByLabel('What').selectOption('');
      await d.getByLabel('Where').selectOption('p:app');
      await rows.first().waitFor();
      expect(JSON.stringify((await asked(page)).node) === JSON.stringify({ project: 'app' }), 'where: the project');
      await rows.first().getByRole('button', { name: 'ci' }).click();
      await d.getByText('Token: ci').waitFor();
      expect((await asked(page)).token_id === 7, 'the token by its id');
      await d.getByLabel('From').fill('2999-01-01');
      await d.getByTestId('activity-empty').waitFor();
      expect((await asked(page)).from === '2999-01-01', 'the day');
      expect(errors.length === 0, errors.join('\n'));
      return page;
    },

    async activity_without_audit_read_says_which_ability_to_ask_for() {
      const { page } = await open(project + seed + 'window.__envdeskFake.state.auditForbidden = true;');
      await toServer(page);
      await page.getByRole('button', { name: 'Activity' }).click();
      const err = page.getByTestId('activity-error');
      await err.waitFor();
      const text = await err.innerText();
      expect(text.includes('audit:read') && text.includes('Team server'), text);
      return page;
    },

    async the_history_of_a_level_names_who_read_it_last() {
      const { page } = await open(project + seed);
      await toServer(page);
      await openEnv(page);
      await page.getByRole('tab', { name: 'History' }).click();
      const line = page.getByTestId('last-read');
      await line.waitFor();
      const text = await line.innerText();
      expect(text.includes('Last read by ci'), text);
      return page;
    },
  };
};
