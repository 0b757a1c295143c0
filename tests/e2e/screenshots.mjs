// The README's screenshots (docs/screenshots/), taken from the real window on a fresh local vault:
//   bash scripts/e2e.sh --screenshots
// One walk through the stories a new user takes; each step waits for what it shows, so a screenshot
// that cannot be taken as described fails the walk instead of saving the wrong screen.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHOTS, root, startDriver, open, close, screenshot, click, waitText, typeInEditor, env, newProjectTree } from './lib.mjs';

const out = join(root, 'docs/screenshots');
mkdirSync(out, { recursive: true });
/** Takes a screenshot of the screen and keeps it as docs/screenshots/NAME.png. */
function keep(name) {
  screenshot(`readme-${name}`);
  copyFileSync(join(SHOTS, `readme-${name}.png`), join(out, `${name}.png`));
  console.log(`  docs/screenshots/${name}.png`);
}

async function dialogButton(b, label) {
  const btn = await (await b.$('[role=dialog]')).$(`button=${label}`);
  await btn.waitForClickable({ timeout: 20000 });
  await btn.click();
}

async function save(b, level) {
  await b.keys(['Control', 's']);
  await waitText(b, '.toasts', `Saved ${level} level`);
  // Let the toast go, so that it is not in the next screenshot.
  await b.waitUntil(async () => !(await (await b.$('.toasts')).getText()).includes('Saved'), { timeout: 20000 });
}

const d = await startDriver(env('shots'));
const b = await open(d);
try {
  await (await b.$('button=New project')).waitForClickable({ timeout: 20000 });
  keep('01-first-launch');

  // The key backup is shown once, before anything else.
  await click(b, 'button=New project');
  await (await b.$('input[placeholder="my-app"]')).setValue('shop');
  await click(b, 'button=Create');
  await (await b.$('[data-testid=backup-key]')).waitForExist({ timeout: 20000 });
  keep('02-key-backup');
  await click(b, 'button=I have a copy');

  // A target with two environments.
  await click(b, 'button[aria-label="Expand shop"]');
  await click(b, 'button=+ target');
  await (await b.$('input[placeholder="backend"]')).setValue('backend');
  await click(b, 'button=Create');
  await click(b, 'button[aria-label="Expand backend"]');
  for (const name of ['staging', 'production']) {
    await click(b, 'button=+ environment');
    await (await b.$('input[placeholder="production"]')).setValue(name);
    await click(b, 'button=Create');
    await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
  }

  // production is open: the project level first, then its own.
  await click(b, 'button=project');
  await typeInEditor(b, ['# Shared by every environment', 'LOG_LEVEL=info', 'DATABASE_URL=postgres://localhost/shop', 'CACHE_TTL=300']);
  await save(b, 'project');
  await click(b, 'button=environment');
  await typeInEditor(b, ['# Production database', 'DATABASE_URL=postgres://db.internal/shop', 'STRIPE_KEY=sk_live_51H8xQ2eZvKYlo2C', 'SENTRY_DSN=https://4f1a@sentry.io/77 # errors only']);
  await save(b, 'environment');
  await typeInEditor(b, ['LOG_LEVEL=warn']);
  await save(b, 'environment');
  await click(b, 'button=staging');
  await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
  await click(b, 'button=environment');
  await typeInEditor(b, ['DATABASE_URL=postgres://staging-db/shop', 'STRIPE_KEY=sk_test_4eC39HqLyjWDarjt', 'DEBUG=true']);
  await save(b, 'environment');

  await click(b, 'button=production');
  await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
  await click(b, 'button=environment');
  await (await b.$('aside [data-key="STRIPE_KEY"]')).waitForExist({ timeout: 20000 });
  keep('03-levels');
  await click(b, 'button=table');
  await (await b.$('button=edit')).waitForExist({ timeout: 20000 });
  keep('08-table');
  await click(b, 'button=text');

  await click(b, 'button=Merged');
  await (await b.$('[data-testid=merged-table]')).waitForExist({ timeout: 20000 });
  keep('04-merged');

  await click(b, 'button=Diff');
  await waitText(b, '[data-testid=diff-summary]', 'only in');
  keep('05-diff');

  await click(b, 'button=History');
  await waitText(b, '.hist', '2 versions');
  const rows = await b.$$('.hist tbody tr');
  await (await rows[rows.length - 1].$("button")).click(); // revision 1 against the current text
  await (await b.$('[data-testid=version-title]')).waitForExist({ timeout: 20000 });
  keep('06-history');

  // The history of one key, from the table view.
  await click(b, 'button=Levels');
  await click(b, 'button=table');
  await click(b, 'button[aria-label="History of LOG_LEVEL"]');
  await (await b.$('[data-testid=key-event]')).waitForExist({ timeout: 20000 });
  keep('11-key-history');
  await dialogButton(b, 'Close');
  await click(b, 'button=text');

  // The key matrix of the project.
  await click(b, 'button=shop');
  await click(b, 'button=Matrix');
  await (await b.$('[data-testid=matrix] tr[data-key="STRIPE_KEY"]')).waitForExist({ timeout: 20000 });
  keep('10-matrix');
  await click(b, 'button=production');
  await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });

  // Search everywhere (Ctrl+K).
  await b.keys(['Control', 'k']);
  const q = await b.$('input[aria-label="Search keys"]');
  await q.waitForExist({ timeout: 20000 });
  await q.setValue('stripe');
  await (await b.$('[role=option]')).waitForExist({ timeout: 20000 });
  keep('12-search');
  await b.keys(['Escape']);
  await (await b.$('[role=dialog]')).waitForExist({ reverse: true, timeout: 20000 });

  // The dark theme, through Settings.
  await click(b, 'button=Levels');
  await click(b, 'button=Settings');
  await (await b.$('[role=dialog] select')).selectByVisibleText('Dark');
  await click(b, 'button=Save');
  await b.waitUntil(async () => (await b.execute(() => document.documentElement.dataset.theme)) === 'dark', { timeout: 20000 });
  await (await b.$('[role=dialog]')).waitForExist({ reverse: true, timeout: 20000 });
  keep('07-dark');

  // The lock screen covers the whole window.
  await click(b, 'button=Lock');
  await waitText(b, 'main', 'envdesk is locked');
  keep('09-lock');
} catch (err) {
  screenshot('readme-FAILED');
  throw err;
} finally {
  await close(b);
  d.proc.kill();
}
