// End-to-end: the real envdesk window (debug build with ui/dist embedded and the test-dialogs hook),
// driven through tauri-driver + WebKitWebDriver, with the real Rust side, a real Secret Service and,
// for the remote scenarios, a real envdesk-server on 127.0.0.1. Run inside Xvfb and dbus-run-session
// with gnome-keyring unlocked (scripts/e2e.sh does all that). Each scenario gets a throw-away data
// directory and keychain service; a screenshot of the screen is taken at its end.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pbkdf2Sync, createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { APP, SERVER, SHOTS, root, sleep, startDriver, open, close, screenshot, click, waitText, editorText, typeInEditor, env, newProjectTree, openProduction } from './lib.mjs';

/** A real envdesk-server on a free port with an organization and a `*` token. */
async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), 'envdesk-e2e-server-'));
  const init = execFileSync(SERVER, ['init', '--db', join(dir, 's.db')]).toString();
  const org = /organization:\s+(\S+)/.exec(init)[1];
  const token = /token:\s+(\S+)/.exec(init)[1];
  const proc = spawn(SERVER, ['serve', '--db', join(dir, 's.db'), '--listen', '127.0.0.1:0'], {
    env: { ...process.env, ENVDESK_KDF_ITERATIONS: '1000' },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const url = await new Promise((res) => proc.stdout.on('data', (d) => res(/listening on (\S+)/.exec(String(d))[1])));
  const api = async (method, path, body) => {
    const r = await fetch(`${url}/api/v1/${org}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  };
  return { url, org, token, proc, api };
}

/** Encrypts like any dotEnv Cloud client: PBKDF2 data key, AES-256-GCM, base64(IV ‖ ct ‖ tag). */
async function serverDataKey(api, project) {
  const d = await api('GET', `${project}/encryption-key`);
  const k = JSON.parse(d.body.data.attributes.content).key;
  return pbkdf2Sync(Buffer.from(k.key), Buffer.from(k.key_check_salt, 'base64'), k.key_check_iterations, 32, 'sha256');
}

function encrypt(key, text) {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const ct = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return Buffer.concat([iv, ct, c.getAuthTag()]).toString('base64');
}

async function connect(b, s) {
  await click(b, 'button=Manage connections…');
  await (await b.$('input[placeholder="Team server"]')).setValue('Team');
  const u = await b.$('input[placeholder="https://secrets.example.com"]');
  await u.clearValue();
  await u.setValue(s.url);
  await (await b.$('input[placeholder="01ARZ3NDEKTSV4RRFFQ69G5FAV"]')).setValue(s.org);
  await (await b.$('input[type=password]')).setValue(s.token);
  await click(b, 'button=Test and add');
}

/**
 * A dotEnv Cloud stand-in that answers only in upstream's documented shapes, built from the fixtures of
 * issue 11 (crates/client/tests/fixtures/upstream) with a real server-managed key: the organization as
 * an item, lists without `meta`, a project without `encryption_type`, a key descriptor without
 * `managed`, levels without id or revision, store answers without id or revision. `state.text` is the
 * environment level's plaintext as stored (`null` before the first write).
 */
async function startUpstream() {
  const fx = (name) => readFileSync(join(root, 'crates/client/tests/fixtures/upstream', name), 'utf8');
  const org = '01HQNWK1XQXQY1XQXQY1XQXQY1';
  const rawKey = randomBytes(32).toString('base64');
  const salt = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(rawKey), salt, 1000, 32, 'sha256');
  const state = { blob: encrypt(key, 'DATABASE_URL=pg-prod\nAPI_KEY=k1\n'), saves: 0 };
  const level = (content, source) => ({ content, encrypted: true, source });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const send = (status, text) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(text);
      };
      const path = new URL(req.url, 'http://x').pathname;
      const rest = path.startsWith(`/api/v1/${org}`) ? path.slice(`/api/v1/${org}`.length) : path;
      const route = `${req.method} ${rest}`;
      if (route === 'GET /api/v1/organization') return send(200, fx('sdk-go__organizations_test.go__L214__organization.json'));
      if (route === 'GET /projects') return send(200, fx('sdk-go__client_test.go__L98__projects-list.json'));
      if (route === 'GET /test-project') {
        return send(200, JSON.stringify({ data: JSON.parse(fx('sdk-go__client_test.go__L98__projects-list.json')).data[0] }));
      }
      if (route === 'GET /test-project/targets') {
        return send(200, JSON.stringify({ data: [{ type: 'targets', id: 'tgt-1', attributes: { name: 'web', slug: 'web' } }] }));
      }
      if (route === 'GET /test-project/web/environments') return send(200, fx('sdk-go__client_integration_test.go__L270__environments-list.json'));
      if (route === 'GET /test-project/encryption-key') {
        // client_test.go L199's descriptor `{key, version, created_at}`, with a real key and its KDF salt.
        const d = { key: { key: rawKey, version: 1, created_at: '2023-01-01T00:00:00Z', key_check_salt: salt.toString('base64'), key_check_iterations: 1000 } };
        const v = JSON.parse(fx('sdk-go__client_test.go__L199__encryption-key.json'));
        v.data.attributes.content = JSON.stringify(d);
        return send(200, JSON.stringify(v));
      }
      if (req.method === 'GET' && rest.endsWith('/secrets')) {
        const v = JSON.parse(fx('sdk-go__client_test.go__L144__secrets-read.json'));
        const levels = { project: level(null, 'test-project') };
        if (rest.includes('/web')) levels.target = level(null, 'web');
        if (rest.includes('/production')) levels.environment = level(state.blob, 'production');
        v.data.attributes.encrypted = true;
        v.data.attributes.levels = levels;
        return send(200, JSON.stringify(v));
      }
      if (route === 'POST /secrets/store') {
        state.blob = JSON.parse(body).content;
        state.saves++;
        return send(200, fx('sdk-go__secrets_test.go__L34__store.json'));
      }
      if (route === 'POST /secrets/versions') return send(200, JSON.stringify({ data: [] }));
      send(404, fx('sdk-go__wave2_test.go__L115__error-404.json'));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}`;
  const decrypt = () => {
    const raw = Buffer.from(state.blob, 'base64');
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
  };
  return { url, org, token: 'upstream-token', key, state, decrypt, server };
}

async function dialogClick(b, label) {
  const btn = await (await b.$('[role=dialog]')).$(`button=${label}`);
  await btn.waitForClickable({ timeout: 20000 });
  await btn.click();
}

async function openProductionExpectingPrompt(b) {
  await click(b, 'button[aria-label="Expand app"]');
  await click(b, 'button[aria-label="Expand backend"]');
  await click(b, 'button=production');
  await (await b.$('input[aria-label="Key or passphrase"]')).waitForExist({ timeout: 20000 });
}

/** Removes every client key of `service` from the Secret Service (secret-tool, in this D-Bus session). */
function forgetClientKeys(service) {
  // secret-tool prints an item's attributes on stderr, its secret on stdout.
  const r = spawnSync('secret-tool', ['search', '--all', 'service', service], { encoding: 'utf8' });
  const found = `${r.stdout}\n${r.stderr}`;
  const names = [...found.matchAll(/^attribute\.username = (client-key:.*)$/gm)].map((m) => m[1]);
  if (names.length === 0) throw new Error('no client key in the keychain to forget');
  for (const name of names) execFileSync('secret-tool', ['clear', 'service', service, 'username', name]);
}

const scenarios = {
  async first_launch_edit_save_restart(e) {
    let d = await startDriver(e);
    let b = await open(d);
    await waitText(b, 'main', 'Your secrets, encrypted');
    await newProjectTree(b);
    await typeInEditor(b, ['# production', 'DB_HOST=prod-db', 'SECRET=s3cret']);
    await b.keys(['Control', 's']);
    await waitText(b, '.toasts', 'Saved environment level (revision 1)');
    await close(b);
    d.proc.kill();
    // Restart: the text is there, and the key comes from the keychain (no prompt).
    d = await startDriver(e);
    b = await open(d);
    await openProduction(b);
    const text = await editorText(b);
    if (!text.includes('DB_HOST=prod-db') || !text.includes('SECRET=s3cret')) throw new Error('text after restart: ' + text);
    if (await (await b.$('input[aria-label="Key or passphrase"]')).isExisting()) throw new Error('asked for a key the keychain holds');
    screenshot('first_launch_edit_save_restart');
    await close(b);
    d.proc.kill();
  },

  async local_vault_without_its_key_says_how_to_recover(e) {
    let d = await startDriver(e);
    let b = await open(d);
    await newProjectTree(b);
    await close(b);
    d.proc.kill();
    // The database is there, its key is not (another keychain): the vault must not make a new key
    // (the old projects would become unreadable); it says what happened and how to recover.
    d = await startDriver({ ...e, ENVDESK_KEYRING_SERVICE: e.ENVDESK_KEYRING_SERVICE + '.empty' });
    b = await open(d);
    try {
      await waitText(b, '[data-testid=tree-error]', 'restore that keychain entry');
      screenshot('local_vault_without_its_key_says_how_to_recover');
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async crash_with_unsaved_text_offers_the_draft(e) {
    let d = await startDriver(e);
    let b = await open(d);
    await newProjectTree(b);
    await typeInEditor(b, ['UNSAVED=typed-before-the-crash']);
    await sleep(2000); // the draft is kept 0.8 s after the last keystroke
    execFileSync('pkill', ['-9', '-f', `^${APP}$`]);
    await close(b);
    d.proc.kill();
    d = await startDriver(e);
    b = await open(d);
    await waitText(b, '[role=dialog]', 'Unsaved changes found', 30000);
    await click(b, 'button=Restore');
    await b.waitUntil(async () => (await editorText(b)).includes('UNSAVED=typed-before-the-crash'), { timeout: 20000 });
    screenshot('crash_with_unsaved_text_offers_the_draft');
    await close(b);
    d.proc.kill();
  },

  async table_edit_keeps_comments_and_lock_drops_text(e) {
    const d = await startDriver(e);
    const b = await open(d);
    try {
      await newProjectTree(b);
      await typeInEditor(b, ['#-primary-database', 'DB_HOST=old-db', 'PORT=1']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'revision 1');
      await click(b, 'button=table');
      await click(b, 'button[aria-label="Edit value of DB_HOST"]');
      const input = await b.$('input[aria-label="Value of DB_HOST"]');
      await input.clearValue();
      await input.setValue('new-db');
      await b.keys(['Enter']);
      await click(b, 'button=Save (Ctrl+S)');
      await waitText(b, '.toasts', 'revision 2');
      await click(b, 'button=text');
      const text = await editorText(b);
      if (!text.includes('#-primary-database') || !text.includes('DB_HOST=new-db') || !text.includes('PORT=1')) {
        throw new Error('table edit changed more than the value: ' + JSON.stringify(text));
      }
      // Lock: keys dropped in Rust, the lock screen over the window (its key is in the keychain);
      // unlocking brings the same node back.
      await click(b, 'button=Lock');
      await waitText(b, 'main', 'envdesk is locked');
      if (await (await b.$('.cm-content')).isExisting()) throw new Error('text still shown after lock');
      await click(b, 'button=Unlock with the OS keychain');
      await b.waitUntil(async () => (await editorText(b)).includes('DB_HOST=new-db'), { timeout: 20000 });
      screenshot('table_edit_keeps_comments_and_lock_drops_text');
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async wrong_client_key_is_refused(e) {
    let d = await startDriver(e);
    let b = await open(d);
    const key = await newProjectTree(b);
    await typeInEditor(b, ['A=1']);
    await b.keys(['Control', 's']);
    await waitText(b, '.toasts', 'revision 1');
    await close(b);
    d.proc.kill();
    // As on a computer where the project's key was never saved: the keychain keeps the local vault's
    // own entries (without them the vault refuses to open rather than make a new key) but loses the
    // project's client key, which must then be typed.
    forgetClientKeys(e.ENVDESK_KEYRING_SERVICE);
    d = await startDriver(e);
    b = await open(d);
    try {
      await openProductionExpectingPrompt(b);
      await (await b.$('input[aria-label="Key or passphrase"]')).setValue('0'.repeat(64));
      await dialogClick(b, 'Unlock');
      await waitText(b, '[data-testid=unlock-error]', 'does not open');
      const input = await b.$('input[aria-label="Key or passphrase"]');
      await input.clearValue();
      await input.setValue(key);
      await dialogClick(b, 'Unlock');
      await b.waitUntil(async () => (await editorText(b)).includes('A=1'), { timeout: 20000 });
      screenshot('wrong_client_key_is_refused');
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async merged_diff_history_import(e) {
    const src = join(e.ENVDESK_DATA_DIR, 'import.env');
    writeFileSync(src, '# from a file\nIMPORTED=yes\n');
    const d = await startDriver({ ...e, ENVDESK_TEST_OPEN_FILE: src });
    const b = await open(d);
    try {
      await newProjectTree(b);
      // The project level, then the environment level, and a second environment.
      await click(b, 'button=project');
      await typeInEditor(b, ['SHARED=from-project', 'DB=project-db']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'Saved project level (revision 1)');
      await click(b, 'button=environment');
      await typeInEditor(b, ['DB=prod-db']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'Saved environment level (revision 1)');
      // Merged view: the right source level for each key.
      await click(b, 'button=Merged');
      const sources = await b.execute(() =>
        [...document.querySelectorAll('[data-testid=merged-table] tbody tr')].map((tr) => `${tr.dataset.key}:${tr.querySelector('[data-testid=source]').textContent}`),
      );
      if (sources.join(',') !== 'SHARED:project,DB:environment') throw new Error('merged sources: ' + sources);
      // Import a file into the environment level (the open dialog answered by the test hook).
      await click(b, 'button=Levels');
      await click(b, 'button=Import');
      await dialogClick(b, 'Choose a .env or JSON file…');
      await waitText(b, '[data-testid=import-summary]', '1 key in the file');
      await dialogClick(b, 'Merge and save');
      await waitText(b, '.toasts', 'Imported 1 key');
      await b.waitUntil(async () => (await editorText(b)).includes('IMPORTED=yes'), { timeout: 20000 });
      // Diff: one environment, so it is compared with its target merged (and says so); set a key
      // in the target, saved at once, then undone.
      await click(b, 'button=Diff');
      await waitText(b, '[data-testid=diff-summary]', 'only in production');
      await click(b, 'button[aria-label="Set in backend: IMPORTED"]');
      await waitText(b, '[data-testid=diff-said]', 'Set IMPORTED in backend (revision 1).');
      await (await (await b.$('[data-testid=diff-said]')).$('button=Undo')).click();
      await waitText(b, '[data-testid=diff-said]', 'Undone');
      // History: the environment level has two versions; restore the first.
      await click(b, 'button=History');
      await waitText(b, '.hist', '2 versions');
      const rows = await b.$$('.hist tbody tr');
      await (await rows[rows.length - 1].$('button')).click();
      const restore = await (await b.$('.detail')).$('button=Restore');
      await restore.waitForClickable({ timeout: 20000 });
      await restore.click();
      await dialogClick(b, 'Restore');
      await waitText(b, '.toasts', 'restored');
      await click(b, 'button=Levels');
      await b.waitUntil(async () => !(await editorText(b)).includes('IMPORTED=yes') && (await editorText(b)).includes('DB=prod-db'), { timeout: 20000 });
      screenshot('merged_diff_history_import');
    } catch (err) {
      screenshot('merged_diff_history_import-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async conflict_asks_only_true_conflicts(e) {
    const s = await startServer();
    const d = await startDriver(e);
    const b = await open(d);
    try {
      if ((await s.api('POST', 'projects', { name: 'team-app', storage_mode: 'server' })).status !== 201) throw new Error('project');
      await s.api('POST', 'team-app/targets', { name: 't' });
      await s.api('POST', 'team-app/t/environments', { name: 'e' });
      const key = await serverDataKey(s.api, 'team-app');
      const level = { project: 'team-app', target: 't', environment: 'e' };
      await s.api('POST', 'secrets/store', { ...level, content: encrypt(key, 'A=1\nB=1\n') });
      await connect(b, s);
      await click(b, 'button[aria-label="Expand team-app"]');
      await click(b, 'button[aria-label="Expand t"]');
      await click(b, 'button=e');
      await b.waitUntil(async () => (await editorText(b)).includes('B=1'), { timeout: 20000 });
      // Ours: B and a new key C. Theirs (behind the app's back): B differently, and D.
      await click(b, '.cm-content');
      await b.keys(['Control', 'a']);
      for (const line of ['A=1', 'B=mine', 'C=ours']) {
        await b.keys(line.split(''));
        await b.keys(['Enter']);
      }
      const theirs = await s.api('POST', 'secrets/store', { ...level, content: encrypt(key, 'A=1\nB=theirs\nD=theirs\n'), base_revision: 1 });
      if (theirs.status !== 200) throw new Error('their write: ' + theirs.status);
      await b.keys(['Control', 's']);
      await waitText(b, '[role=dialog]', 'Both sides changed 1 key');
      const asked = await b.execute(() => [...document.querySelectorAll('[role=dialog] tbody tr td:first-child')].map((td) => td.textContent));
      if (asked.join(',') !== 'B') throw new Error('asked about: ' + asked);
      await click(b, 'input[name="c-B"]:not(:checked)');
      await dialogClick(b, 'Save the merge');
      await waitText(b, '.toasts', 'Merged and saved');
      const stored = await s.api('GET', 'team-app/t/e/secrets?decrypt=true');
      const text = stored.body.data.attributes.levels.environment.content;
      if (text !== 'A=1\nB=theirs\nC=ours\nD=theirs\n') throw new Error('stored after the merge: ' + JSON.stringify(text));
      screenshot('conflict_asks_only_true_conflicts');
    } catch (err) {
      screenshot('conflict_asks_only_true_conflicts-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
      s.proc.kill();
    }
  },

  async matrix_add_here_writes_the_missing_key_on_the_server(e) {
    const s = await startServer();
    const d = await startDriver(e);
    const b = await open(d);
    try {
      if ((await s.api('POST', 'projects', { name: 'team-app', storage_mode: 'server' })).status !== 201) throw new Error('project');
      await s.api('POST', 'team-app/targets', { name: 't' });
      for (const env of ['staging', 'production']) await s.api('POST', 'team-app/t/environments', { name: env });
      const key = await serverDataKey(s.api, 'team-app');
      await s.api('POST', 'secrets/store', { project: 'team-app', target: 't', environment: 'staging', content: encrypt(key, 'A=1\nSTRIPE=sk_test\n') });
      await s.api('POST', 'secrets/store', { project: 'team-app', target: 't', environment: 'production', content: encrypt(key, 'A=1\n') });
      await connect(b, s);
      await click(b, 'button=team-app');
      await click(b, 'button=Matrix');
      // STRIPE is missing in production: "add here" writes it to production's own level.
      await click(b, 'button[aria-label="Add here: STRIPE in production (t)"]');
      await (await b.$('[role=dialog] input')).setValue('sk_live');
      await dialogClick(b, 'Add');
      await waitText(b, '.toasts', 'Added STRIPE to');
      const stored = await s.api('GET', 'team-app/t/production/secrets?decrypt=true');
      const text = stored.body.data.attributes.levels.environment.content;
      if (text !== 'A=1\nSTRIPE=sk_live\n') throw new Error('production after "add here": ' + JSON.stringify(text));
      const staging = await s.api('GET', 'team-app/t/staging/secrets?decrypt=true');
      if (staging.body.data.attributes.levels.environment.content !== 'A=1\nSTRIPE=sk_test\n') throw new Error('staging changed');
      screenshot('matrix_add_here_writes_the_missing_key_on_the_server');
    } catch (err) {
      screenshot('matrix_add_here_writes_the_missing_key_on_the_server-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
      s.proc.kill();
    }
  },

  async key_history_restores_one_value_from_two_versions_ago(e) {
    const d = await startDriver(e);
    const b = await open(d);
    try {
      await newProjectTree(b);
      const rewrite = async (lines, revision) => {
        await click(b, '.cm-content');
        await b.keys(['Control', 'a']);
        await b.keys(['Delete']);
        await typeInEditor(b, lines);
        await b.keys(['Control', 's']);
        await waitText(b, '.toasts', `revision ${revision})`);
      };
      await rewrite(['A=1', 'TOKEN=v1'], 1);
      await rewrite(['A=1', 'TOKEN=v2'], 2);
      await rewrite(['A=2', 'TOKEN=v2'], 3);
      await click(b, 'button=table');
      await click(b, 'button[aria-label="History of TOKEN"]');
      // Changed in revision 2, added in revision 1 (revision 3 did not touch it): restore revision 1's.
      await (await b.$('[data-testid=key-event]')).waitForExist({ timeout: 20000 });
      const events = await b.execute(() => [...document.querySelectorAll('[data-testid=key-event]')].map((tr) => tr.dataset.version));
      if (events.join(',') !== 'revision 2,revision 1') throw new Error('the history of TOKEN: ' + events);
      await click(b, 'button[aria-label="Restore this value of TOKEN from revision 1"]');
      await dialogClick(b, 'Restore TOKEN');
      await waitText(b, '.toasts', 'Restored TOKEN from revision 1 as revision 4.');
      await click(b, 'button=text');
      await b.waitUntil(async () => (await editorText(b)).includes('TOKEN=v1'), { timeout: 20000 });
      const text = await editorText(b);
      if (!text.includes('A=2')) throw new Error('the other keys stay as they are: ' + text);
      screenshot('key_history_restores_one_value_from_two_versions_ago');
    } catch (err) {
      screenshot('key_history_restores_one_value_from_two_versions_ago-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async schema_required_port_is_checked_in_every_environment_and_strict_refuses(e) {
    // Issue 16 in the real window: a project-level `@required @type: port` key in a strict project; staging
    // says `PORT=abc`, production leaves it empty — both are errors; staging's save is refused (text
    // kept), fixed, saved; the merged view and the key matrix say what is left.
    const d = await startDriver(e);
    const b = await open(d);
    const name = 'schema_required_port_is_checked_in_every_environment_and_strict_refuses';
    try {
      await newProjectTree(b);
      await click(b, 'button=+ environment');
      await (await b.$('input[placeholder="production"]')).setValue('staging');
      await click(b, 'button=Create');
      // The project level: strict, PORT required and a port.
      await click(b, 'button=app');
      await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
      await typeInEditor(b, ['# @schema: strict', '# @description: Where it listens', '# @required @type: port', 'PORT=']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'Saved project level (revision 1)');
      // Staging: PORT=abc is an error at its line, and the strict project refuses the save.
      await click(b, 'button=staging');
      await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
      await typeInEditor(b, ['PORT=abc']);
      await waitText(b, 'main', 'is not a port number (1 to 65535)');
      await b.keys(['Control', 's']);
      await waitText(b, '[role=alert]', 'strict about its schema');
      if (!(await editorText(b)).includes('PORT=abc')) throw new Error('the refused text is kept');
      screenshot('schema-strict-refusal');
      // Fixed, it saves.
      await click(b, '.cm-content');
      await b.keys(['Control', 'a']);
      await b.keys(['Delete']);
      await typeInEditor(b, ['PORT=8080']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'Saved environment level (revision 1)');
      // Production: PORT inherited empty — required, so an error in its merged view.
      await click(b, 'button=production');
      await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
      await click(b, 'button=Merged');
      await waitText(b, '[data-testid=schema-summary]', 'error');
      const why = await b.execute(() => document.querySelector('tr[data-key="PORT"] [data-testid=schema-problem]')?.getAttribute('aria-label') ?? '');
      if (!why.includes('is required (by the project level) and empty')) throw new Error('the mark on PORT says: ' + why);
      screenshot('schema-merged-production');
      // The key matrix: production's PORT is an error cell, staging's is fine.
      await click(b, 'button=app');
      await click(b, 'button=Matrix');
      await (await b.$('[data-testid=matrix-schema]')).waitForExist({ timeout: 20000 });
      const marks = await b.execute(() =>
        [...document.querySelectorAll('[data-testid=matrix] tr[data-key="PORT"] td.cell')].map((td) => td.dataset.schema),
      );
      // Columns: project, backend's level, production, staging.
      if (JSON.stringify(marks) !== JSON.stringify(['', '', 'error', ''])) throw new Error('the matrix marks: ' + JSON.stringify(marks));
      screenshot('schema-matrix');
      // A key that expires in three days: both environments get a badge in the tree.
      const soon = new Date(Date.now() + 3 * 864e5).toISOString().slice(0, 10);
      await click(b, 'button=Levels');
      await typeInEditor(b, [`# @expires: ${soon}`, 'LEGACY_TOKEN=x']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'Saved project level (revision 2)');
      await b.waitUntil(async () => (await b.$$('[data-testid=expiry-badge]')).length === 2, { timeout: 20000, timeoutMsg: 'a badge on each environment' });
      const badges = await b.execute(() => [...document.querySelectorAll('[data-testid=expiry-badge]')].map((x) => x.textContent.trim()));
      if (JSON.stringify(badges) !== '["1 expiring","1 expiring"]') throw new Error('the badges: ' + JSON.stringify(badges));
      screenshot('schema-tree-expiry');
    } catch (err) {
      screenshot(`${name}-at-failure`);
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async search_finds_a_key_in_a_second_project_and_opens_it(e) {
    const d = await startDriver(e);
    const b = await open(d);
    try {
      await newProjectTree(b);
      await typeInEditor(b, ['A=1']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'revision 1');
      // A second project, with its own target and environment.
      await click(b, 'button=+ New project');
      await (await b.$('input[placeholder="my-app"]')).setValue('billing');
      await click(b, 'button=Create');
      await click(b, 'button=I have a copy');
      await click(b, 'button[aria-label="Expand billing"]');
      const adds = await b.$$('button=+ target');
      await adds[adds.length - 1].click();
      await (await b.$('input[placeholder="backend"]')).setValue('payments');
      await click(b, 'button=Create');
      await click(b, 'button[aria-label="Expand payments"]');
      const envs = await b.$$('button=+ environment');
      await envs[envs.length - 1].click();
      await (await b.$('input[placeholder="production"]')).setValue('live');
      await click(b, 'button=Create');
      await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
      await typeInEditor(b, ['STRIPE_SECRET=sk']);
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'revision 1');
      // Back in the first project, Ctrl+K finds the key in the second and Enter opens it on its line.
      await click(b, 'button=production');
      await b.waitUntil(async () => (await editorText(b)).includes('A=1'), { timeout: 20000 });
      await b.keys(['Control', 'k']);
      const q = await b.$('input[aria-label="Search keys"]');
      await q.waitForExist({ timeout: 20000 });
      await q.setValue('stripe');
      await (await b.$('[role=option]')).waitForExist({ timeout: 20000 });
      await b.keys(['Enter']);
      await waitText(b, 'h1.crumbs', 'billing');
      await b.waitUntil(async () => (await editorText(b)).includes('STRIPE_SECRET=sk'), { timeout: 20000 });
      screenshot('search_finds_a_key_in_a_second_project_and_opens_it');
    } catch (err) {
      screenshot('search_finds_a_key_in_a_second_project_and_opens_it-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
    }
  },

  async export_merged_env_is_owner_only(e) {
    const out = join(e.ENVDESK_DATA_DIR, 'export.env');
    const d = await startDriver({ ...e, ENVDESK_TEST_SAVE_FILE: out });
    const b = await open(d);
    await newProjectTree(b);
    await typeInEditor(b, ['A=1']);
    await b.keys(['Control', 's']);
    await waitText(b, '.toasts', 'revision 1');
    await click(b, 'button=Export');
    await click(b, 'button=Export…');
    await waitText(b, '.toasts', 'Exported to');
    const mode = statSync(out).mode & 0o777;
    if (mode !== 0o600) throw new Error('export mode ' + mode.toString(8));
    if (readFileSync(out, 'utf8') !== 'A=1\n') throw new Error('export content');
    screenshot('export_merged_env_is_owner_only');
    await close(b);
    d.proc.kill();
  },

  async dotenv_cloud_answer_shapes_show_and_save(e) {
    const s = await startUpstream();
    const d = await startDriver(e);
    const b = await open(d);
    try {
      await connect(b, s);
      await (await b.$('button=Test Project')).waitForExist({ timeout: 20000 });
      await click(b, 'button[aria-label="Expand Test Project"]');
      await click(b, 'button[aria-label="Expand web"]');
      await click(b, 'button=production');
      await b.waitUntil(async () => (await editorText(b)).includes('API_KEY=k1'), { timeout: 20000 });
      await waitText(b, '.status', 'revisions not tracked');
      // A save: re-read, unchanged, stored (the answer has no revision).
      await click(b, '.cm-content');
      await b.keys(['Control', 'a']);
      for (const line of ['DATABASE_URL=pg-prod', 'API_KEY=k2']) {
        await b.keys(line.split(''));
        await b.keys(['Enter']);
      }
      await b.keys(['Control', 's']);
      await waitText(b, '.toasts', 'revision not tracked by this server');
      if (s.decrypt() !== 'DATABASE_URL=pg-prod\nAPI_KEY=k2\n') throw new Error('stored: ' + JSON.stringify(s.decrypt()));
      // Someone else changes API_KEY behind the app's back; the server would take our stale save.
      s.state.blob = encrypt(s.key, 'DATABASE_URL=pg-prod\nAPI_KEY=theirs\nNEW=theirs\n');
      await click(b, '.cm-content');
      await b.keys(['Control', 'a']);
      for (const line of ['DATABASE_URL=pg-prod', 'API_KEY=mine']) {
        await b.keys(line.split(''));
        await b.keys(['Enter']);
      }
      const saves = s.state.saves;
      await b.keys(['Control', 's']);
      await waitText(b, '[role=dialog]', 'Both sides changed 1 key');
      if (s.state.saves !== saves) throw new Error('the stale save was written');
      screenshot('dotenv_cloud_answer_shapes_show_and_save');
      await click(b, 'input[name="c-API_KEY"]:not(:checked)');
      await dialogClick(b, 'Save the merge');
      await waitText(b, '.toasts', 'Merged and saved');
      if (s.decrypt() !== 'DATABASE_URL=pg-prod\nAPI_KEY=theirs\nNEW=theirs\n') throw new Error('merged: ' + JSON.stringify(s.decrypt()));
    } catch (err) {
      screenshot('dotenv_cloud_answer_shapes_show_and_save-at-failure');
      throw err;
    } finally {
      await close(b);
      d.proc.kill();
      s.server.close();
    }
  },

  async remote_server_with_a_token(e) {
    const dir = mkdtempSync(join(tmpdir(), 'envdesk-e2e-server-'));
    const init = execFileSync(SERVER, ['init', '--db', join(dir, 's.db')]).toString();
    const org = /organization:\s+(\S+)/.exec(init)[1];
    const token = /token:\s+(\S+)/.exec(init)[1];
    const server = spawn(SERVER, ['serve', '--db', join(dir, 's.db'), '--listen', '127.0.0.1:0'], {
      env: { ...process.env, ENVDESK_KDF_ITERATIONS: '1000' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const url = await new Promise((res) => server.stdout.on('data', (d) => res(/listening on (\S+)/.exec(String(d))[1])));
    const r = await fetch(`${url}/api/v1/${org}/projects`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'team-app' }),
    });
    if (r.status !== 201) throw new Error('server project: ' + r.status);
    // The native confirmation of removing a connection answers "no" (the test-dialogs hook).
    const d = await startDriver({ ...e, ENVDESK_TEST_CONFIRM: 'no' });
    const b = await open(d);
    try {
      await click(b, 'button=Manage connections…');
      await (await b.$('input[placeholder="Team server"]')).setValue('Team');
      const u = await b.$('input[placeholder="https://secrets.example.com"]');
      await u.clearValue();
      await u.setValue(url);
      await (await b.$('input[placeholder="01ARZ3NDEKTSV4RRFFQ69G5FAV"]')).setValue(org);
      const t = await b.$('input[type=password]');
      await t.setValue('edk_wrong');
      await click(b, 'button=Test and add');
      await waitText(b, '[role=dialog]', 'missing, unknown or revoked');
      await t.clearValue();
      await t.setValue(token);
      await click(b, 'button=Test and add');
      await (await b.$('button=team-app')).waitForExist({ timeout: 20000 });
      screenshot('remote_server_with_a_token');
      // The server's audit log, in the window (issue 15): the project created above, by the admin token.
      await click(b, 'button=Activity');
      await waitText(b, '[data-testid=activity]', 'team-app');
      const row = await b.execute(() => document.querySelector('[data-testid=activity] tbody tr')?.textContent ?? '');
      if (!row.includes('admin') || !row.includes('created')) throw new Error('the newest activity: ' + row);
      screenshot('activity');
      await click(b, 'button=Close');
      // Remove: the page asks nothing first, the native dialog says no, so the connection stays.
      await click(b, 'button=Manage connections…');
      await dialogClick(b, 'Remove');
      await sleep(1000);
      const rows = await b.execute(() => [...document.querySelectorAll('[role=dialog] tbody tr')].map((tr) => tr.textContent));
      if (!rows.some((r) => r.includes('Team'))) throw new Error('the connection went without the native yes: ' + rows);
      if (await (await b.$('[role=dialog] [role=alert]')).isExisting()) throw new Error('a native no is not an error');
    } finally {
      await close(b);
      d.proc.kill();
      server.kill();
    }
  },
};

let passed = 0;
let failed = 0;
const only = process.argv[2];
for (const [name, fn] of Object.entries(scenarios)) {
  if (only && !name.includes(only)) continue;
  const started = Date.now();
  try {
    await fn(env(name.split('_')[0]));
    console.log(`ok   ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    passed++;
  } catch (err) {
    screenshot(`${name}-FAILED`);
    console.log(`FAIL ${name}: ${String(err.message).split('\n')[0]}`);
    failed++;
  } finally {
    try {
      execFileSync('pkill', ['-9', '-f', `^${APP}$`]);
    } catch {
      /* nothing left running */
    }
  }
}
console.log(`screenshots: ${SHOTS}`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
