// What a dialog is doing: whether its action runs, and the error it ended with (shown in the dialog).
import { IpcError } from '../../lib/ipc';

export class Task {
  working = $state(false);
  error = $state<string | null>(null);
  /** What happens when the user said no in a native confirmation (nothing was changed). */
  private readonly cancelled: () => void;

  constructor(cancelled: () => void = () => {}) {
    this.cancelled = cancelled;
  }

  async run(action: () => Promise<void>) {
    this.working = true;
    this.error = null;
    try {
      await action();
    } catch (e) {
      // The user said no in the native confirmation: nothing happened, nothing to report.
      if (e instanceof IpcError && e.code === 'cancelled') return this.cancelled();
      this.error = e instanceof IpcError ? e.message : String(e);
    } finally {
      this.working = false;
    }
  }
}
