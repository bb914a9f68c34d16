/**
 * A URL fit to print: without its user name, password and query string (where webhook and Slack
 * URLs carry their secrets), e.g. `https://hooks.example.com/services/…`. Text that is not a URL is
 * returned with any `scheme://user:pass@` stripped.
 */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    return `${url.protocol}//${url.host}${url.pathname}${url.search ? '?…' : ''}`;
  } catch {
    return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
  }
}

/** `text` with every occurrence of `secret` (a URL) replaced by its redacted form. */
export function redactIn(text: string, secret: string): string {
  return secret ? text.split(secret).join(redactUrl(secret)) : text;
}
