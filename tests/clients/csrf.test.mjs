// Cross-site requests: what a form on another site makes a visitor's browser send (multipart, text/plain,
// url-encoded, with that site's Origin) runs nothing, while a real upload client that sends Apollo's
// preflight-forcing header (urql, whose fetch exchange sends files as a GraphQL multipart request) uploads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { url, signIn } from './common.mjs';

const ELSEWHERE = 'https://elsewhere.example';
const REGISTER = 'mutation($i: RegisterPetitionerInput!) { registerPetitioner(input: $i) { accessToken } }';
const register = (username) =>
  JSON.stringify({ query: REGISTER, variables: { i: { username, password: 'a-long-enough-password', displayName: '某' } } });

async function signsIn(username) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'mutation($u: String!) { login(username: $u, password: "a-long-enough-password") { accessToken } }', variables: { u: username } }),
  });
  return !(await res.json()).errors;
}

test('forms from another site run nothing, and say why', async () => {
  const form = new FormData();
  form.set('operations', register('csrf.multipart'));
  form.set('map', '{}');
  const multipart = await fetch(url, { method: 'POST', headers: { origin: ELSEWHERE }, body: form });
  assert.equal(multipart.status, 400);
  const body = await multipart.json();
  assert.equal(body.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.match(body.errors[0].message, /Apollo-Require-Preflight/);
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded']) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { origin: ELSEWHERE, 'content-type': contentType },
      body: register('csrf.simple'),
    });
    assert.equal(res.status, 415, contentType);
  }
  assert.equal(await signsIn('csrf.multipart'), false);
  assert.equal(await signsIn('csrf.simple'), false);

  // A page elsewhere cannot add the header either: the preflight it needs is not granted to that origin.
  const preflight = await fetch(url, {
    method: 'OPTIONS',
    headers: { origin: ELSEWHERE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'apollo-require-preflight' },
  });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
});

test('urql uploads a file with the preflight-forcing header, and not without it', async () => {
  const token = await signIn('demo.petitioner');
  const urql = (headers) => new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}`, ...headers } }),
  });
  const client = urql({ 'apollo-require-preflight': 'true' });
  const submitted = await client
    .mutation(gql`mutation Submit($input: SubmitPetitionInput!) { submitPetition(input: $input) { case { id } } }`, {
      input: { jurisdictionCode: '510502', title: '违章搭建', content: '邻居违章搭建阻挡通道。', idempotencyKey: `csrf-${Date.now()}` },
    })
    .toPromise();
  assert.equal(submitted.error, undefined, submitted.error?.message);
  const photo = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, ...new Array(4096).fill(7)]);
  const attach = (c) => c
    .mutation(
      gql`mutation Attach($input: AttachFileInput!, $file: Upload!) { attachFile(input: $input, file: $file) { fileName sizeBytes } }`,
      { input: { caseId: submitted.data.submitPetition.case.id, kind: 'EVIDENCE' }, file: new File([photo], '现场照片.jpg', { type: 'image/jpeg' }) },
    )
    .toPromise();
  const attached = await attach(client);
  assert.equal(attached.error, undefined, attached.error?.message);
  assert.equal(attached.data.attachFile.fileName, '现场照片.jpg');
  assert.equal(attached.data.attachFile.sizeBytes, photo.length);
  const refused = await attach(urql({}));
  assert.equal(refused.error.graphQLErrors[0].extensions.code, 'BAD_USER_INPUT');
});
