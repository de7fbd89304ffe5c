/**
 * A base URL with `user:password@` (Prometheus or Alertmanager behind an authenticating proxy):
 * fetch refuses URLs with credentials, so they travel as a Basic Authorization header instead, and
 * the URL kept for requests and messages has none.
 */
export function splitUserinfo(raw: string): { url: string; authorization?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { url: raw };
  }
  if (u.username === '' && u.password === '') return { url: raw };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}
