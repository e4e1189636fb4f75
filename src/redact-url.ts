// A --source URL may carry a password (https://user:secret@host/…). Wherever a
// source is shown (/status, logs, meta.json, errors) it goes through here.

/** `https://user:secret@host/x` → `https://user:***@host/x`; anything else unchanged. */
export function redactUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return url;
  }
  if (u.password === '') return url;
  u.password = '***';
  return u.toString();
}

/** Every URL with a password inside a line of text (an error message naming its source), redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s/@"']*:[^\s/@"']*@[^\s;,)"'<>]*/gi, (m) => redactUrl(m));
}
