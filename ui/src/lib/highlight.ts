// Token colours of the .env editor, from CSS variables so they follow the light/dark theme.
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorView } from '@codemirror/view';
import { tags as t } from '@lezer/highlight';

export const envHighlight = syntaxHighlighting(
  HighlightStyle.define([
    { tag: t.comment, color: 'var(--hl-comment)', fontStyle: 'italic' },
    { tag: t.keyword, color: 'var(--hl-keyword)' },
    { tag: t.propertyName, color: 'var(--hl-key)' },
    { tag: t.operator, color: 'var(--muted)' },
    { tag: t.string, color: 'var(--hl-value)' },
    { tag: t.special(t.variableName), color: 'var(--hl-ref)', fontWeight: '600' },
    { tag: t.invalid, color: 'var(--danger)', textDecoration: 'underline wavy' },
  ]),
);

export const envTheme = EditorView.theme({
  '&': { color: 'var(--text)', backgroundColor: 'var(--surface)' },
  '.cm-activeLine': { backgroundColor: 'var(--hl-active)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--hl-active)' },
  '&.cm-focused .cm-selectionBackground, .cm-selectionBackground': { backgroundColor: 'var(--hl-selection)' },
  '.cm-cursor': { borderLeftColor: 'var(--text)' },
  // CodeMirror's light defaults, which the dark theme would otherwise show as white bars: the gutters
  // (in the diff, the strip between the two texts), the search panel and its controls.
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', borderRight: '1px solid var(--border)' },
  '.cm-panels': { backgroundColor: 'var(--surface-2)', color: 'var(--text)' },
  '.cm-panels-top': { borderBottom: '1px solid var(--border)' },
  '.cm-panels-bottom': { borderTop: '1px solid var(--border)' },
  '.cm-textfield': { backgroundColor: 'var(--surface)', color: 'var(--text)', border: '1px solid var(--border)' },
  '.cm-button': { backgroundImage: 'none', backgroundColor: 'var(--surface-2)', color: 'var(--text)', border: '1px solid var(--border)' },
  // @codemirror/merge: the "N unchanged lines" bar (its own is a light gradient image), the marks of a change.
  '.cm-collapsedLines': {
    background: 'var(--surface-2)',
    color: 'var(--muted)',
    borderTop: '1px solid var(--border)',
    borderBottom: '1px solid var(--border)',
  },
  // @codemirror/merge frames "N unchanged lines" with "⦚", which the usual Linux fonts lack (a box).
  '.cm-collapsedLines::before, .cm-collapsedLines::after': { content: '"↕"' },
  '&.cm-merge-a .cm-changedLineGutter, .cm-deletedLineGutter': { background: 'var(--diff-del)' },
  '&.cm-merge-b .cm-changedLineGutter': { background: 'var(--diff-add)' },
  '&.cm-merge-a .cm-changedText, .cm-deletedChunk .cm-deletedText': {
    background: 'linear-gradient(var(--diff-del), var(--diff-del)) bottom/100% 2px no-repeat',
  },
  '&.cm-merge-b .cm-changedText': { background: 'linear-gradient(var(--diff-add), var(--diff-add)) bottom/100% 2px no-repeat' },
});
