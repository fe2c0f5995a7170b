const KEY = 'shipgate.token';

/** The API token of this browser tab (session storage: gone when the tab closes). */
export function readToken(): string | null {
  return window.sessionStorage.getItem(KEY);
}

export function saveToken(token: string): void {
  window.sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  window.sessionStorage.removeItem(KEY);
}
