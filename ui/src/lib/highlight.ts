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
  '.cm-collapsedLines': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)' },
  // @codemirror/merge frames "N unchanged lines" with "⦚", which the usual Linux fonts lack (a box).
  '.cm-collapsedLines::before, .cm-collapsedLines::after': { content: '"↕"' },
});
