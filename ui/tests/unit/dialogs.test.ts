// Dialogs: one component per kind, each with its own fields, started afresh for every dialog.
import { afterEach, describe, expect, it } from 'vitest';
import { render, fireEvent, screen, cleanup } from '@testing-library/svelte';
import { mockIPC, clearMocks } from '@tauri-apps/api/mocks';
import { tick } from 'svelte';
import Dialogs from '../../src/components/Dialogs.svelte';
import { app } from '../../src/lib/state.svelte';

afterEach(() => {
  cleanup();
  clearMocks();
  app.dialog = null;
});

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('Dialogs', () => {
  it('shows the dialog of the kind on screen, and none without one', async () => {
    render(Dialogs);
    expect(screen.queryByRole('dialog')).toBeNull();
    app.dialog = { kind: 'settings' };
    await tick();
    expect(screen.getByRole('dialog', { name: 'Settings' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(app.dialog).toBeNull();
  });

  it('a new dialog of the same kind starts afresh', async () => {
    mockIPC((cmd) => {
      if (cmd === 'unlock_with_key') throw { code: 'wrong_key', message: 'That key does not open `app`.' };
    });
    render(Dialogs);
    app.dialog = { kind: 'unlock', project: 'app' };
    await tick();
    const input = screen.getByLabelText('Key or passphrase') as HTMLInputElement;
    await fireEvent.input(input, { target: { value: 'nope' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Unlock' }));
    await settle();
    expect(screen.getByTestId('unlock-error').textContent).toContain('does not open');
    app.dialog = { kind: 'unlock', project: 'app', message: 'Still locked.' };
    await tick();
    expect(screen.queryByTestId('unlock-error')).toBeNull();
    expect((screen.getByLabelText('Key or passphrase') as HTMLInputElement).value).toBe('');
    expect(screen.getByText(/Still locked\./)).toBeTruthy();
  });

  it('rename starts from the current name', async () => {
    render(Dialogs);
    app.dialog = { kind: 'rename', path: { project: 'app' }, name: 'My app' };
    await tick();
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('My app');
  });

  it('a confirmed action that opens another dialog leaves that one open', async () => {
    render(Dialogs);
    app.ask('First?', 'First question.', 'Yes', async () => app.ask('Second?', 'Second question.', 'Sure', async () => {}));
    await tick();
    await fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await settle();
    expect(screen.getByRole('dialog', { name: 'Second?' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Sure' }));
    await settle();
    expect(app.dialog).toBeNull();
  });

  it('a no in the native confirmation closes a delete without an error', async () => {
    mockIPC((cmd) => {
      if (cmd === 'delete_node') throw { code: 'cancelled', message: 'Cancelled: nothing was changed.' };
    });
    render(Dialogs);
    app.dialog = { kind: 'delete', path: { project: 'app', target: 'backend', environment: 'dev' }, nonEmpty: false };
    await tick();
    await fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await settle();
    expect(app.dialog).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
