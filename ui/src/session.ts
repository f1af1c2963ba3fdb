import { type Credential, credentialFrom } from "./logic/credential.js";

/**
 * The credential lives in sessionStorage only: gone with the tab, never in a URL, never in a
 * cookie (so no request but the page's own API calls carries it).
 */
const KEY = "muster.credential";

export function loadCredential(): Credential | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? credentialFrom(JSON.parse(raw)) : undefined;
  } catch {
    return undefined;
  }
}

export function saveCredential(credential: Credential): void {
  sessionStorage.setItem(KEY, JSON.stringify(credential));
}

export function clearCredential(): void {
  sessionStorage.removeItem(KEY);
}
