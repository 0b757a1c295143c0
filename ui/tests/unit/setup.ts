// jsdom has no ResizeObserver (Svelte's bind:clientHeight uses it); sizes are 0 in jsdom anyway.
class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
(globalThis as { ResizeObserver?: unknown }).ResizeObserver ??= NoResizeObserver;
