// Search everywhere (issue 14): whether the palette is open. The palette itself is
// components/SearchPalette.svelte; the index and the query are on the Rust side (`search`).

export const palette = $state({ open: false });

/** Opens the palette (Ctrl+K, Ctrl+Shift+F, the header's Search button). */
export function openSearch() {
  palette.open = true;
}

/** Closes it. */
export function closeSearch() {
  palette.open = false;
}
