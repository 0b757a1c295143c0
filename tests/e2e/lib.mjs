// Shared by the end-to-end scenarios and the app performance script: tauri-driver sessions on the real
// envdesk window.
import { remote } from 'webdriverio';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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

