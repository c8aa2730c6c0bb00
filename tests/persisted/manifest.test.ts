/**
 * The trusted documents manifest (src/persisted/trusted-documents.ts): the file graphql-codegen's client
 * preset writes is accepted as it is and its ids are the APQ hashes of its texts; a manifest that is
 * unreadable, of the wrong shape, or whose hashes do not match their documents is a configuration error
 * naming PERSISTED_DOCUMENTS. And how a request is rewritten or refused, for POST and GET alike.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { createTrustedDocuments, loadTrustedDocuments, type TrustedResolution } from '../../src/persisted/trusted-documents.js';
import { ListUsersDocument, MeDocument, MeEverywhereDocument, UserByIdDocument } from '../../examples/web-client/__generated__/graphql.js';

const MANIFEST = fileURLToPath(new URL('../../examples/web-client/__generated__/persisted-documents.json', import.meta.url));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

const QUERY = 'query Me { me(provider: PASSBOLT) { id } }';
const HASH = sha256(QUERY);
const OTHER = '{ __typename }';

function writeManifest(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'usergraph-manifest-')), 'persisted-documents.json');
  writeFileSync(file, content);
  return file;
}

function loadError(content: string): string {
  try {
    loadTrustedDocuments({ path: writeManifest(content), only: true });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.join('\n');
  }
  throw new Error('the manifest was accepted');
}

const passed = (r: TrustedResolution) => {
  if (r.kind !== 'pass') throw new Error(`refused: ${r.code}`);
  return r;
};

describe('the generated manifest (examples/web-client/__generated__/persisted-documents.json)', () => {
  const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;

  it('holds every generated operation under the hash in its __meta__, `sha256:` and the SHA-256 of its text', () => {
    const documents = [UserByIdDocument, MeDocument, MeEverywhereDocument, ListUsersDocument];
    const hashes = documents.map((d) => (d as unknown as { __meta__: { hash: string } }).__meta__.hash);
    expect(Object.keys(manifest).sort()).toEqual([...hashes].sort());
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${sha256(text)}`);
  });

  it('loads, and finds each document by `sha256:<hex>` and by the bare hex (the APQ hash)', () => {
    const trusted = loadTrustedDocuments({ path: MANIFEST, only: true });
    expect(trusted.size).toBe(4);
    for (const [id, text] of Object.entries(manifest)) {
      expect(trusted.get(id)).toBe(text);
      expect(trusted.get(id.slice('sha256:'.length))).toBe(text);
      expect(trusted.includesText(text)).toBe(true);
    }
    expect(trusted.includesText(`${Object.values(manifest)[0]} `)).toBe(false);
  });
});

describe('a bad manifest', () => {
  it.each([
    ['not JSON', '{ "sha256:', /PERSISTED_DOCUMENTS: .* is not JSON/],
    ['an array', '["query { __typename }"]', /PERSISTED_DOCUMENTS: .* must hold a JSON object of "<hash>": "<document>"/],
    ['a string', '"query { __typename }"', /must hold a JSON object/],
    ['a document that is not a string', JSON.stringify({ [`sha256:${HASH}`]: { query: QUERY } }), /must hold a JSON object/],
    ['a hash that does not match its document', JSON.stringify({ [`sha256:${HASH}`]: OTHER }), /PERSISTED_DOCUMENTS: .*the document of "sha256:[0-9a-f]{64}" does not hash to it/],
    ['a bare hash that does not match', JSON.stringify({ [HASH]: OTHER }), /does not hash to it/],
    ['a document that is not GraphQL', JSON.stringify({ [sha256('not graphql')]: 'not graphql' }), /PERSISTED_DOCUMENTS: .*is not GraphQL/],
    ['no operations', '{}', /PERSISTED_DOCUMENTS: .*holds no operations/],
  ])('is refused: %s', (_name, content, message) => {
    const problem = loadError(content);
    expect(problem).toMatch(message);
    expect(problem.split('\n')).toHaveLength(1);
  });

  it('is refused when the file cannot be read, naming the path', () => {
    const path = join(tmpdir(), 'usergraph-no-such-dir', 'persisted-documents.json');
    expect(() => loadTrustedDocuments({ path, only: false })).toThrow(ConfigError);
    expect(() => loadTrustedDocuments({ path, only: false })).toThrow(`PERSISTED_DOCUMENTS: cannot read ${path}: ENOENT`);
  });

  it('keeps ids of another algorithm as they are', () => {
    const sha1 = createHash('sha1').update(QUERY).digest('hex');
    const trusted = createTrustedDocuments({ [sha1]: QUERY }, true);
    expect(trusted.get(sha1)).toBe(QUERY);
    expect(trusted.includesText(QUERY)).toBe(true);
  });
});

describe('PERSISTED_DOCUMENTS_ONLY defaults', () => {
  it('is on in production when a manifest is set, off in demo mode', () => {
    const production = loadConfig({ USERGRAPH_MODE: 'production', PERSISTED_DOCUMENTS: MANIFEST });
    expect(production.persistedDocuments).toEqual({ path: MANIFEST, only: true });
    const demo = loadConfig({ PERSISTED_DOCUMENTS: MANIFEST });
    expect(demo.persistedDocuments).toEqual({ path: MANIFEST, only: false });
  });
});

describe('resolving a request', () => {
  const only = createTrustedDocuments({ [`sha256:${HASH}`]: QUERY }, true);
  const open = createTrustedDocuments({ [`sha256:${HASH}`]: QUERY }, false);
  const apq = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });
  const post = (body: unknown) => ({ method: 'POST', search: '', body });
  const get = (params: Record<string, string>) => ({ method: 'GET', search: `?${new URLSearchParams(params).toString()}`, body: undefined });

  it('gives a POST naming a manifest hash its text, without the APQ extension (others kept)', () => {
    const r = passed(only.resolve(post({ extensions: { ...apq(HASH), tracing: true }, variables: { a: 1 }, operationName: 'Me' })));
    expect(r.body).toEqual({ query: QUERY, extensions: { tracing: true }, variables: { a: 1 }, operationName: 'Me' });
    for (const documentId of [`sha256:${HASH}`, HASH]) {
      expect(passed(open.resolve(post({ documentId }))).body).toEqual({ query: QUERY });
    }
  });

  it('gives a GET naming a manifest hash its text, in the search string', () => {
    const r = passed(only.resolve(get({ extensions: JSON.stringify(apq(HASH)), variables: '{"a":1}' })));
    const params = new URLSearchParams(r.search);
    expect(params.get('query')).toBe(QUERY);
    expect(params.get('extensions')).toBeNull();
    expect(params.get('variables')).toBe('{"a":1}');
    expect(new URLSearchParams(passed(only.resolve(get({ documentId: `sha256:${HASH}` }))).search).get('query')).toBe(QUERY);
  });

  it('with `only`: refuses free text (POST and GET) and unknown hashes, and runs the manifest text sent as is', () => {
    const refused = (r: TrustedResolution) => (r.kind === 'refuse' ? r.code : 'passed');
    expect(refused(only.resolve(post({ query: OTHER })))).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect(refused(only.resolve(get({ query: OTHER })))).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect(refused(only.resolve(post({ query: OTHER, extensions: apq(sha256(OTHER)) })))).toBe('PERSISTED_DOCUMENT_REQUIRED');
    expect(refused(only.resolve(post({ extensions: apq('ab'.repeat(32)) })))).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    expect(refused(only.resolve(get({ extensions: JSON.stringify(apq('ab'.repeat(32))) })))).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    expect(refused(only.resolve(post({ documentId: 'sha256:nope' })))).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
    expect(passed(only.resolve(post({ query: QUERY, extensions: apq(HASH) }))).body).toEqual({ query: QUERY });
  });

  it('with `only`: a GET repeating a parameter is refused', () => {
    const r = only.resolve({ method: 'GET', search: `?documentId=${HASH}&documentId=x`, body: undefined });
    expect(r).toMatchObject({ kind: 'refuse', code: 'BAD_REQUEST' });
  });

  it('without `only`: free text and unknown APQ hashes go to Apollo unchanged; an unknown documentId is not found', () => {
    const body = { query: OTHER, extensions: apq(sha256(OTHER)) };
    expect(passed(open.resolve(post(body))).body).toBe(body);
    const hashOnly = { extensions: apq('ab'.repeat(32)) };
    expect(passed(open.resolve(post(hashOnly))).body).toBe(hashOnly);
    expect(open.resolve(post({ documentId: 'ab'.repeat(32) }))).toMatchObject({ kind: 'refuse', code: 'PERSISTED_DOCUMENT_NOT_FOUND' });
  });

  it('leaves to Apollo what Apollo refuses anyway', () => {
    for (const body of ['query=x', ['a'], null, { query: 42 }]) expect(only.resolve(post(body))).toMatchObject({ kind: 'pass', body });
    expect(only.resolve({ method: 'PUT', search: '', body: { query: OTHER } })).toMatchObject({ kind: 'pass' });
  });
});
