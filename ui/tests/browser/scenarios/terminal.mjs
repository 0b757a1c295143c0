// "Use in a terminal" (issue 17): an environment's header copies the exact `envdesk-cli run` command for
// it (docs/cli.md), naming a remote connection by its name; a project or target has no such button.
export default (h) => {
  const { open, project, openEnv, expect } = h;
  const fakeClipboard = () => {
    window.__clip = '';
    Object.defineProperty(navigator, 'clipboard', { value: { writeText: async (t) => void (window.__clip = t) }, configurable: true });
  };

  return {
    async use_in_a_terminal_copies_the_run_command() {
      const { page } = await open(project);
      await openEnv(page);
      await page.evaluate(fakeClipboard);
      await page.getByRole('button', { name: 'Use in a terminal' }).click();
      await page.getByText(/Copied “envdesk-cli run --env app\/backend\/production --”/).waitFor();
      expect((await page.evaluate(() => window.__clip)) === 'envdesk-cli run --env app/backend/production -- ', await page.evaluate(() => window.__clip));
      await page.getByRole('button', { name: 'app', exact: true }).click();
      await page.getByRole('tab', { name: 'Levels' }).waitFor();
      expect((await page.getByRole('button', { name: 'Use in a terminal' }).count()) === 0, 'a project has no run command');
      return page;
    },
  };
};
