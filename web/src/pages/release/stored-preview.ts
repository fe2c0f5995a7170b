import type { Preview } from '../../api/client';

const keyOf = (id: string) => `shipgate.preview.${id}`;

/** The preview made in this tab for a release (its token is shown only once, so the tab keeps it). */
export function storedPreview(id: string): Preview | null {
  const text = window.sessionStorage.getItem(keyOf(id));
  return text ? (JSON.parse(text) as Preview) : null;
}

/** Keeps a release's newest preview for this tab (session storage: gone when the tab closes). */
export function storePreview(id: string, preview: Preview): void {
  window.sessionStorage.setItem(keyOf(id), JSON.stringify(preview));
}
