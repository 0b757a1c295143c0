// Shared by the end-to-end scenarios and the app performance script: tauri-driver sessions on the real
// envdesk window.
import { remote } from 'webdriverio';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const APP = process.env.ENVDESK_APP ?? join(root, 'target/debug/envdesk');
export const SERVER = join(root, 'target/debug/envdesk-server');
const DRIVER = process.env.TAURI_DRIVER ?? join(process.env.HOME, '.cargo/bin/tauri-driver');
export const SHOTS = process.env.ENVDESK_E2E_SHOTS ?? join(root, 'target/e2e-shots');
mkdirSync(SHOTS, { recursive: true });
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function freePort() {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

export async function waitPort(port, ms = 20000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** A tauri-driver whose app runs with `env` (data dir, keychain service). */
export async function startDriver(env) {
  const port = await freePort();
  const nativePort = await freePort();
  const proc = spawn(DRIVER, ['--port', String(port), '--native-driver', '/usr/bin/WebKitWebDriver', '--native-port', String(nativePort)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  // tauri-driver listens before the WebKitWebDriver it starts does; a session asked for in between
  // is cut off (UND_ERR_SOCKET), which is what a cold first start on a fresh CI machine hit.
  await waitPort(port);
  await waitPort(nativePort);
  return { port, proc, stderr: () => stderr };
}

export async function open(driver) {
  // A new session is retried only when the connection itself failed (nothing was started then); any
  // other error is the scenario's to report.
  let b;
  for (let attempt = 1; ; attempt++) {
    try {
      b = await remote({
        hostname: '127.0.0.1',
        port: driver.port,
        logLevel: 'error',
        connectionRetryCount: 1,
        capabilities: { 'wdio:enforceWebDriverClassic': true, 'tauri:options': { application: APP } },
      });
      break;
    } catch (e) {
      const cutOff = /UND_ERR_SOCKET|ECONNREFUSED|ECONNRESET|other side closed/.test(String(e?.message ?? e));
      if (!cutOff || attempt >= 3) throw e;
      console.log(`  (the driver cut the new session off, attempt ${attempt}; trying again)`);
      await sleep(2000);
    }
  }
  await (await b.$('.shell')).waitForExist({ timeout: 30000 });
  return b;
}

export async function close(b) {
  try {
    await b.deleteSession();
  } catch {
    /* the app may be gone already */
  }
}

export function screenshot(name) {
  try {
    execFileSync('sleep', ['0.7']); // let WebKit paint the last change before the X screen is read
    execFileSync('import', ['-window', 'root', join(SHOTS, `${name}.png`)]);
  } catch {
    /* screenshots are a help, not a test */
  }
}

export async function click(b, selector) {
  const el = await b.$(selector);
  await el.waitForClickable({ timeout: 20000 });
  await el.click();
}

export async function waitText(b, selector, text, timeout = 20000) {
  const el = await b.$(selector);
  await b.waitUntil(async () => ((await el.isExisting()) ? (await el.getText()).includes(text) : false), {
    timeout,
    timeoutMsg: `"${text}" never appeared in ${selector}`,
  });
}


// Steps the scenarios and the README's screenshots share.

export async function editorText(b) {
  return b.execute(() => document.querySelector('.cm-content')?.innerText ?? '');
}

export async function typeInEditor(b, lines) {
  await click(b, '.cm-content');
  await b.keys(['Control', 'End']);
  for (const line of lines) {
    // WebKitWebDriver drops a key pressed a second time within one action: each action holds distinct
    // characters only (a space sent as the Space key).
    const runs = [];
    for (const c of line) {
      const k = c === ' ' ? '\uE00D' : c;
      const run = runs[runs.length - 1];
      if (run && !run.includes(k)) run.push(k);
      else runs.push([k]);
    }
    for (const run of runs) await b.keys(run);
    await b.keys(['Enter']);
  }
}

export function env(name) {
  return {
    ENVDESK_DATA_DIR: mkdtempSync(join(tmpdir(), `envdesk-e2e-${name}-`)),
    ENVDESK_KEYRING_SERVICE: `dev.envdesk.e2e.${name}.${process.pid}`,
    ENVDESK_KDF_ITERATIONS: '1000',
  };
}

export async function newProjectTree(b) {
  await click(b, 'button=New project');
  await (await b.$('input[placeholder="my-app"]')).setValue('app');
  await click(b, 'button=Create');
  const key = await (await b.$('[data-testid=backup-key]')).getText();
  if (!/^[0-9a-f]{64}$/.test(key)) throw new Error('the generated key is shown once: ' + key.length);
  await click(b, 'button=I have a copy');
  await click(b, 'button[aria-label="Expand app"]');
  await click(b, 'button=+ target');
  await (await b.$('input[placeholder="backend"]')).setValue('backend');
  await click(b, 'button=Create');
  await click(b, 'button[aria-label="Expand backend"]');
  await click(b, 'button=+ environment');
  await (await b.$('input[placeholder="production"]')).setValue('production');
  await click(b, 'button=Create');
  await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
  return key;
}

export async function openProduction(b) {
  await click(b, 'button[aria-label="Expand app"]');
  await click(b, 'button[aria-label="Expand backend"]');
  await click(b, 'button=production');
  await (await b.$('.cm-content')).waitForExist({ timeout: 20000 });
}
