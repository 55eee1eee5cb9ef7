// Apollo Client as an app backend uses it: relay-style paging of a clerk's cases through the cache, with
// automatic persisted queries, over plain HTTP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApolloClient, HttpLink, InMemoryCache, ApolloLink, gql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { SetContextLink } from '@apollo/client/link/context';
import { relayStylePagination } from '@apollo/client/utilities';
import { url, sha256, signIn, recordingFetch } from './common.mjs';

const CASES = gql`
  query ClerkCases($first: Int!, $after: String) {
    cases(first: $first, after: $after) {
      totalCount
      edges { cursor node { id reference title status } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/** A client as an app backend sets one up: the token in every request, persisted queries, and a cache that
 * merges the pages of `cases`; every request it sends is recorded in `seen`. */
function apollo(token, seen, persisted = {}) {
  return new ApolloClient({
    link: ApolloLink.from([
      new SetContextLink(() => ({ headers: { authorization: `Bearer ${token}` } })),
      new PersistedQueryLink({ sha256, ...persisted }),
      new HttpLink({ uri: url, fetch: recordingFetch(seen) }),
    ]),
    cache: new InMemoryCache({ typePolicies: { Query: { fields: { cases: relayStylePagination() } } } }),
  });
}

test('Apollo Client pages through cases relay-style, with automatic persisted queries', async () => {
  const token = await signIn('demo.clerk');
  const seen = [];
  const client = apollo(token, seen);

  // As a list screen does it: watch the first page, then fetch more until the end.
  const observable = client.watchQuery({ query: CASES, variables: { first: 2 } });
  const first = await new Promise((resolve, reject) => {
    observable.subscribe({ next: (r) => r.loading || resolve(r), error: reject });
  });
  assert.equal(first.error, undefined);
  const total = first.data.cases.totalCount;
  assert.ok(total > 2, `the demo clerk sees more than one page (${total})`);
  // The protocol as Apollo runs it: the hash alone, refused as unknown; the hash with the text; and for the next
  // pages the hash alone, now known.
  assert.equal(seen.length, 2);
  assert.equal(seen[0].body.query, undefined);
  assert.equal(seen[0].body.extensions.persistedQuery.sha256Hash, sha256(seen[1].body.query));

  let pageInfo = first.data.cases.pageInfo;
  let pages = 1;
  while (pageInfo.hasNextPage) {
    const more = await observable.fetchMore({ variables: { after: pageInfo.endCursor } });
    assert.equal(more.error, undefined);
    pageInfo = more.data.cases.pageInfo;
    pages += 1;
    assert.ok(pages <= total, 'paging ends');
  }
  const hashOnly = seen.slice(2);
  assert.ok(hashOnly.length >= 1 && hashOnly.every((r) => r.body.query === undefined), JSON.stringify(hashOnly));

  // The cache merged every page into one list, as relayStylePagination does: each case once, all of them.
  const merged = client.readQuery({ query: CASES, variables: { first: 2 } }).cases.edges.map((e) => e.node.id);
  assert.equal(new Set(merged).size, merged.length);
  assert.equal(merged.length, total);
});

test('Apollo Client with useGETForHashedQueries sends the hash by GET', async () => {
  const token = await signIn('demo.petitioner');
  const seen = [];
  const client = apollo(token, seen, { useGETForHashedQueries: true });
  const ME = gql`query PetitionerMe { me { username roles } }`;
  const first = await client.query({ query: ME });
  assert.equal(first.data.me.username, 'demo.petitioner');
  const again = await client.query({ query: ME, fetchPolicy: 'network-only' });
  assert.deepEqual(again.data.me.roles, ['PETITIONER']);
  const last = seen.at(-1);
  assert.equal(last.method, 'GET');
  assert.equal(last.body.query, undefined);
  assert.match(JSON.parse(last.body.extensions).persistedQuery.sha256Hash, /^[0-9a-f]{64}$/);
});

test("Apollo Client with errorPolicy 'all' gets a failed field as null beside its siblings", async () => {
  const token = await signIn('demo.clerk');
  const client = apollo(token, []);
  const result = await client.query({
    query: gql`query Partial($id: ID!) { me { username } case(id: $id) { id } }`,
    variables: { id: '00000000-0000-0000-0000-000000000000' },
    errorPolicy: 'all',
    fetchPolicy: 'no-cache',
  });
  // The field is there and null, as the generated types say (`case: … | null`), not undefined.
  assert.ok(Object.hasOwn(result.data, 'case'), JSON.stringify(result.data));
  assert.equal(result.data.case, null);
  assert.equal(result.data.me.username, 'demo.clerk');
  const errors = result.error?.errors ?? result.errors ?? [];
  assert.equal(errors[0]?.extensions?.code, 'NOT_FOUND', JSON.stringify(result.error ?? result.errors));
});
