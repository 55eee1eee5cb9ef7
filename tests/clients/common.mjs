// What every client test shares: where the server is (started by tests/api/clients.rs) and how a demo account
// signs in, with nothing but the server's own API.
import { createHash } from 'node:crypto';

export const url = process.env.GRAPHQL_URL;
if (!url) throw new Error('GRAPHQL_URL is not set: run these tests through `cargo test clients`');
export const wsUrl = url.replace(/^http/, 'ws');

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Signs `username` in with the demo password; the access token. */
export async function signIn(username) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      query: 'mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }',
      variables: { u: username, p: process.env.DEMO_PASSWORD ?? 'demo-password' },
    }),
  });
  const body = await res.json();
  if (body.errors) throw new Error(`sign-in of ${username} failed: ${JSON.stringify(body.errors)}`);
  return body.data.login.accessToken;
}

/** `fetch`, recording each request's method and body (or query string) in `seen`. */
export function recordingFetch(seen) {
  return async (input, init = {}) => {
    const target = new URL(typeof input === 'string' ? input : input.url);
    seen.push({
      method: init.method ?? 'GET',
      body: init.body ? JSON.parse(init.body) : Object.fromEntries(target.searchParams),
    });
    return fetch(input, init);
  };
}
