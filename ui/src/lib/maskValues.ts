// The values of a .env text drawn as •••••••• in a CodeMirror view (the Diff tab's text panes while values
// are hidden). The text itself is unchanged — a diff still marks the lines that differ — only what is drawn.
import { Decoration, EditorView, WidgetType } from '@codemirror/view';
import type { Extension } from '@codemirror/state';
import { valueRanges } from './diffPair';

class Dots extends WidgetType {
  toDOM() {
    const s = document.createElement('span');
    s.className = 'cm-masked';
    s.textContent = '••••••••';
    return s;
  }
  eq() {
    return true;
  }
}

const dots = Decoration.replace({ widget: new Dots() });

/**
 * Decorations that hide every value of `doc` (its ranges from `valueRanges`); while they do, copying or
 * cutting from the pane copies nothing (the text under the dots is the real one).
 */
export function maskValues(doc: string): Extension {
  const none = (e: ClipboardEvent) => {
    e.preventDefault();
    e.clipboardData?.setData('text/plain', '');
    return true;
  };
  return [
    EditorView.decorations.of(Decoration.set(valueRanges(doc).map(([from, to]) => dots.range(from, to)))),
    EditorView.domEventHandlers({ copy: none, cut: none }),
  ];
}
