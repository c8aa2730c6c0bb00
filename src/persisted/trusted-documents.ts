/**
 * Trusted documents (persisted operations): the operations a web app was built with, in a manifest the
 * gateway loads at startup (PERSISTED_DOCUMENTS), so a client sends an operation's hash instead of its
 * text, and, with PERSISTED_DOCUMENTS_ONLY, nothing else runs.
 *
 * The manifest is the file graphql-codegen's client preset writes with `persistedDocuments`
 * (https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#persisted-documents): a JSON
 * object `{ "<id>": "<document>" }`. With the preset's default algorithm, sha256, an id is
 * `sha256:<hex>` since client-preset 6 (the GraphQL-over-HTTP persisted documents appendix,
 * https://github.com/graphql/graphql-over-http/blob/52d56fb36d51c17e08a920510a23bdc2f6a720be/spec/Appendix%20A%20--%20Persisted%20Documents.md#sha256-hex-document-identifier;
 * earlier versions wrote the bare `<hex>`, also accepted) and `<hex>` is the SHA-256 of the document
 * text: the hash Apollo's APQ `sha256Hash` carries. Such ids are checked at startup (a manifest that
 * does not match its documents is refused); other ids (another algorithm) are taken as they are.
 *
 * At the front door, before Apollo (`resolve`):
 * - A request naming a manifest operation, by `extensions.persistedQuery.sha256Hash` (APQ) or by
 *   `documentId` (`sha256:<hex>`, `<hex>` or the manifest's own id), gets the manifest's text as its
 *   `query`; the APQ extension and `documentId` are removed, so Apollo runs that text as if the client had
 *   sent it.
 * - With `only`: free query text is refused (PERSISTED_DOCUMENT_REQUIRED) unless it is one of the
 *   manifest's documents, and an unknown hash is refused (PERSISTED_DOCUMENT_NOT_FOUND); APQ is off, so
 *   no client can register new operations.
 * - Without `only`: an unknown `documentId` is PERSISTED_DOCUMENT_NOT_FOUND too; everything else goes
 *   to Apollo unchanged (APQ included).
 *
 * GET carries the same fields in the URL (`query`, `extensions` as JSON, `documentId`); POST in the
 * JSON body. Other requests are Apollo's to refuse.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { ConfigError } from '../config.js';

export const PERSISTED_DOCUMENT_REQUIRED = 'PERSISTED_DOCUMENT_REQUIRED';
export const PERSISTED_DOCUMENT_NOT_FOUND = 'PERSISTED_DOCUMENT_NOT_FOUND';

export interface TrustedDocumentsSettings {
  /** The manifest file (PERSISTED_DOCUMENTS). */
  path: string;
  /** Accept only the manifest's operations (PERSISTED_DOCUMENTS_ONLY). */
  only: boolean;
}

/** A GraphQL request as the front door holds it: the URL's search string and the parsed body. */
export interface FrontDoorRequest {
  method: string;
  search: string;
  body: unknown;
}

export type TrustedResolution =
  | { kind: 'pass'; search: string; body: unknown }
  | { kind: 'refuse'; status: 400; code: typeof PERSISTED_DOCUMENT_REQUIRED | typeof PERSISTED_DOCUMENT_NOT_FOUND | 'BAD_REQUEST'; message: string; reason: string };

export interface TrustedDocuments {
  /** Whether only the manifest's operations are accepted. */
  readonly only: boolean;
  /** How many operations the manifest holds. */
  readonly size: number;
  /** The document named by an id (`sha256:<hex>`, `<hex>`, or the manifest's own key). */
  get(id: string): string | undefined;
  /** Whether this exact text is one of the manifest's documents. */
  includesText(query: string): boolean;
  /** Rewrites a request naming a manifest operation, refuses what `only` forbids, passes the rest. */
  resolve(request: FrontDoorRequest): TrustedResolution;
}

const SHA256_ID = /^(?:sha256:)?([0-9a-fA-F]{64})$/;

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** `sha256:<hex>` and `<hex>` name the same document; any other id is taken as it is. */
function normalizeId(id: string): string {
  const sha = SHA256_ID.exec(id);
  return sha ? sha[1]!.toLowerCase() : id;
}

const MESSAGES = {
  required:
    'This gateway runs only its persisted operations: send the operation\'s hash (extensions.persistedQuery.sha256Hash, or documentId) instead of its text.',
  notFound: 'No persisted operation has this hash: the client was built with operations this gateway does not know.',
} as const;

/** Reads and checks the manifest; a ConfigError naming PERSISTED_DOCUMENTS when it is unusable. */
export function loadTrustedDocuments(settings: Readonly<TrustedDocumentsSettings>): TrustedDocuments {
  let text: string;
  try {
    text = readFileSync(settings.path, 'utf8');
  } catch (error) {
    throw manifestError(`cannot read ${settings.path}: ${firstLine(error)}`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw manifestError(`${settings.path} is not JSON: ${firstLine(error)}`);
  }
  return createTrustedDocuments(manifest, settings.only, settings.path);
}

/** Checks a parsed manifest (`source` names it in errors). */
export function createTrustedDocuments(manifest: unknown, only: boolean, source = 'the manifest'): TrustedDocuments {
  const shape = `${source} must hold a JSON object of "<hash>": "<document>" (graphql-codegen client preset, persistedDocuments)`;
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) throw manifestError(shape);
  const byId = new Map<string, string>();
  /** SHA-256 of every document text: free text is trusted when its hash is here. */
  const textHashes = new Set<string>();
  for (const [id, document] of Object.entries(manifest)) {
    if (typeof document !== 'string' || id === '') throw manifestError(shape);
    const textHash = sha256Hex(document);
    const sha = SHA256_ID.exec(id);
    if (sha && sha[1]!.toLowerCase() !== textHash) {
      throw manifestError(`${source}: the document of "${id}" does not hash to it (its sha256 is ${textHash}): regenerate the manifest`);
    }
    try {
      parse(document, { noLocation: true });
    } catch (error) {
      throw manifestError(`${source}: the document of "${id}" is not GraphQL: ${firstLine(error)}`);
    }
    byId.set(normalizeId(id), document);
    textHashes.add(textHash);
  }
  if (byId.size === 0) throw manifestError(`${source} holds no operations`);

  const get = (id: string) => byId.get(normalizeId(id));

  return {
    only,
    size: byId.size,
    get,
    includesText: (query) => textHashes.has(sha256Hex(query)),
    resolve(request) {
      const fields = readFields(request);
      if (fields === undefined) return { kind: 'pass', search: request.search, body: request.body };
      if ('refuse' in fields) return fields.refuse;
      const { query, apqHash, documentId } = fields;
      const named = documentId ?? apqHash;

      if (query !== undefined) {
        if (!only) return { kind: 'pass', search: request.search, body: request.body };
        if (!textHashes.has(sha256Hex(query))) return refusal(PERSISTED_DOCUMENT_REQUIRED, MESSAGES.required, 'persisted-document-required');
        // One of the manifest's own texts: it runs as sent, without the APQ extension (APQ is off).
        return rewrite(request, query);
      }
      if (named !== undefined) {
        const document = get(named);
        if (document !== undefined) return rewrite(request, document);
        // Apollo knows nothing of `documentId`; an unknown APQ hash is Apollo's (PERSISTED_QUERY_NOT_FOUND) unless `only`.
        if (only || documentId !== undefined) return refusal(PERSISTED_DOCUMENT_NOT_FOUND, MESSAGES.notFound, 'persisted-document-not-found');
      }
      return { kind: 'pass', search: request.search, body: request.body };
    },
  };
}

type Fields = { query?: string; apqHash?: string; documentId?: string } | { refuse: TrustedResolution };

/** The request's query text, APQ hash and document id; undefined when Apollo will refuse it anyway. */
function readFields(request: FrontDoorRequest): Fields | undefined {
  if (request.method === 'POST') {
    const body = request.body;
    if (!isRecord(body)) return undefined;
    return {
      query: nonEmptyString(body.query),
      apqHash: apqHashOf(body.extensions),
      documentId: nonEmptyString(body.documentId),
    };
  }
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    for (const name of ['query', 'extensions', 'documentId']) {
      if (params.getAll(name).length > 1) {
        return { refuse: { kind: 'refuse', status: 400, code: 'BAD_REQUEST', message: `The '${name}' search parameter may only be specified once.`, reason: 'repeated-parameter' } };
      }
    }
    let extensions: unknown;
    try {
      extensions = JSON.parse(params.get('extensions') ?? 'null');
    } catch {
      // Apollo refuses invalid JSON in `extensions`; the text, if any, is still checked below.
      extensions = undefined;
    }
    return {
      query: nonEmptyString(params.get('query')),
      apqHash: apqHashOf(extensions),
      documentId: nonEmptyString(params.get('documentId')),
    };
  }
  return undefined;
}

/** The request with `query` set to `text`, and no APQ extension or `documentId` left for Apollo. */
function rewrite(request: FrontDoorRequest, text: string): TrustedResolution {
  if (request.method === 'GET') {
    const params = new URLSearchParams(request.search);
    params.set('query', text);
    params.delete('documentId');
    const extensions = params.get('extensions');
    if (extensions !== null) {
      try {
        const rest = withoutPersistedQuery(JSON.parse(extensions));
        if (rest === undefined) params.delete('extensions');
        else params.set('extensions', JSON.stringify(rest));
      } catch {
        // Not JSON: left for Apollo to refuse.
      }
    }
    return { kind: 'pass', search: `?${params.toString()}`, body: request.body };
  }
  const { documentId: _documentId, extensions, ...body } = request.body as Record<string, unknown>;
  const rest = withoutPersistedQuery(extensions);
  return { kind: 'pass', search: request.search, body: { ...body, query: text, ...(rest !== undefined && { extensions: rest }) } };
}

/** `extensions` without `persistedQuery`; undefined when nothing else is left. */
function withoutPersistedQuery(extensions: unknown): unknown {
  if (!isRecord(extensions)) return extensions ?? undefined;
  const { persistedQuery: _persistedQuery, ...rest } = extensions;
  return Object.keys(rest).length ? rest : undefined;
}

function apqHashOf(extensions: unknown): string | undefined {
  if (!isRecord(extensions) || !isRecord(extensions.persistedQuery)) return undefined;
  return nonEmptyString(extensions.persistedQuery.sha256Hash);
}

function refusal(code: typeof PERSISTED_DOCUMENT_REQUIRED | typeof PERSISTED_DOCUMENT_NOT_FOUND, message: string, reason: string): TrustedResolution {
  return { kind: 'refuse', status: 400, code, message, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

function manifestError(problem: string): ConfigError {
  return new ConfigError([`PERSISTED_DOCUMENTS: ${problem}`]);
}
