// The one way the UI calls the Rust side. The typed wrappers that use it (`commands` in bindings.ts) are
// generated from the command list in src-tauri/commands.rs; components never call `invoke` themselves.
import { invoke } from '@tauri-apps/api/core';
import type { Code } from './bindings';
import { prose } from './prose';

/** An error from the Rust side: a code from the closed set (`Code`) and a sentence to show (its code spans
 * quoted: prose.ts). */
export class IpcError extends Error {
  constructor(
    public code: Code,
    message: string,
  ) {
    super(message);
  }
}

/** Invokes a command; a Rust error becomes an `IpcError` with its code. */
export async function call<R>(cmd: string, args: Record<string, unknown>): Promise<R> {
  // A benchmark may ask for the time each command takes (`window.__envdeskTrace = []`): names and
  // milliseconds only.
  const trace = (globalThis as { __envdeskTrace?: [string, number, number][] }).__envdeskTrace;
  const t0 = trace ? performance.now() : 0;
  try {
    return await invoke<R>(cmd, args);
  } catch (e: unknown) {
    if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
      const err = e as { code: Code; message: string };
      throw new IpcError(err.code, prose(err.message));
    }
    throw new IpcError('internal', typeof e === 'string' ? e : 'Something went wrong in envdesk itself.');
  } finally {
    trace?.push([cmd, t0, performance.now() - t0]);
  }
}
