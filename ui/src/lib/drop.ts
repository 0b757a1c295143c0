// A file dropped on the window. The Rust side reads it (the path stays there, the size is limited as in
// the open dialog) and sends the `file-dropped` event: a handle and the file's name, or why it was
// refused. The import dialog then opens with the file chosen, for the level on screen.
import type { DroppedFileDto, ImportChoiceDto } from './bindings';
import { app, type Dialog } from './state.svelte';

/** The file an import dialog opened by a drop starts with (by the dialog, which is replaced whole). */
export const droppedFiles = new WeakMap<Dialog, ImportChoiceDto>();

export function onFileDropped(d: DroppedFileDto) {
  if (d.error) return app.toast('error', d.error.message);
  const file = d.file;
  if (!file) return;
  if (!app.node || !app.currentLevel) {
    return app.toast('info', `To import ${file.name}, first open the project, target or environment it belongs to in the tree, then drop the file again.`);
  }
  if (app.dialog && app.dialog.kind !== 'import') {
    return app.toast('info', `Finish or close the dialog on screen, then drop ${file.name} again.`);
  }
  const dialog: Dialog = { kind: 'import' };
  droppedFiles.set(dialog, file);
  app.dialog = dialog;
}
