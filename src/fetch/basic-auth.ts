// A --source URL may carry user:password (https://user:secret@host/root.zone).
// undici sends nothing for userinfo, so it becomes an Authorization header
// here, for the origin it was given for only.

/**
 * `https://user:secret@host/x` → the URL without them and `Basic` credentials
 * (RFC 7617; undici sends nothing for userinfo). A relative redirect keeps the
 * userinfo (new URL(location, current)), one to another origin has none: the
 * password never leaves the origin it was given for.
 */
export function splitCredentials(url: string): { target: string; authorization: string | undefined } {
  const u = new URL(url);
  if (u.username === '' && u.password === '') return { target: url, authorization: undefined };
  const userPass = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { target: u.toString(), authorization: `Basic ${Buffer.from(userPass, 'utf8').toString('base64')}` };
}
