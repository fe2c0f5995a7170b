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

let csrf: string | null = null;

/** The CSRF value of a session signed in through the identity provider (cookie), sent with every change. */
export function readCsrf(): string | null {
  return csrf;
}

/** Kept in memory only: `GET /api/v1/me` gives it again after a reload. */
export function saveCsrf(value: string | null): void {
  csrf = value;
}
