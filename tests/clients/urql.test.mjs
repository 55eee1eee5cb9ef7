// urql with its defaults: queries go by GET when the URL is short enough (urql's `preferGetMethod` default),
// mutations by POST, and it asks for `application/graphql-response+json`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, cacheExchange, fetchExchange, gql } from '@urql/core';
import { url, signIn, recordingFetch } from './common.mjs';

test('urql with its default exchanges and methods reads and writes', async () => {
  const token = await signIn('demo.petitioner');
  const seen = [];
  const client = new Client({
    url,
    exchanges: [cacheExchange, fetchExchange],
    fetch: recordingFetch(seen),
    fetchOptions: () => ({ headers: { authorization: `Bearer ${token}` } }),
  });

  const mine = await client
    .query(gql`query MyCases { cases(first: 10) { totalCount nodes { id reference status } } }`, {})
    .toPromise();
  assert.equal(mine.error, undefined);
  assert.ok(mine.data.cases.totalCount >= 1);
  assert.equal(seen.at(-1).method, 'GET');

  const submitted = await client
    .mutation(
      gql`mutation Submit($input: SubmitPetitionInput!) { submitPetition(input: $input) { case { id status } } }`,
      {
        input: {
          jurisdictionCode: '510502',
          title: '小区路灯损坏',
          content: '小区路灯已损坏两个月，请求维修。',
          idempotencyKey: `urql-${Date.now()}`,
        },
      },
    )
    .toPromise();
  assert.equal(submitted.error, undefined, submitted.error?.message);
  assert.equal(submitted.data.submitPetition.case.status, 'SUBMITTED');
  assert.equal(seen.at(-1).method, 'POST');

  // A request error comes back as urql's CombinedError with the server's code, not as a network failure.
  const broken = await client.query(gql`query Broken { cases { noSuchField } }`, {}).toPromise();
  assert.equal(broken.error.graphQLErrors[0].extensions.code, 'BAD_USER_INPUT');
});
