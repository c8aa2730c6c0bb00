/**
 * The peer's data sources: one `RESTDataSource` (@apollo/datasource-rest 6) per provider, written as
 * Apollo documents them (https://www.apollographql.com/docs/apollo-server/data/fetching-rest and the
 * package's README): a `baseURL`, `willSendRequest` setting the provider's auth headers from what the
 * request's context handed over, and `get()` for each read. A new set is made for every request, as
 * in Apollo's examples, with the server's `cache`.
 *
 * What is shared with the gateway, so both sides do the same work on a record: each provider's wire
 * validation (`parse…UserWire`, zod) and mapping (`mapUser`) from src/providers/<p>/, and its error
 * table (`toGatewayError`) for a non-2xx answer, so error bodies match the gateway's byte for byte.
 * What is not: the upstream client (RESTDataSource's `fetch`, node-fetch by default, instead of the
 * gateway's undici pools, retries and breakers), batching (none: each `user` field is its own `get()`,
 * and RESTDataSource's request deduplication merges concurrent GETs of one URL), the cache of user
 * records, the upstream budget and the field projection (BellaDati's `exclude`).
 *
 * One addition to Apollo's pattern: a `user` asked beside `me` in the same operation (`me` resolved
 * first, in field order) waits for `me` and is served from it when the ids match, as the gateway's
 * loaders do (README, "Fetch less"); without it S3 would cost the peer an eighth upstream call.
 *
 * The tuned peer (`shareParsedBodies`) overrides `cloneParsedBody` to hand every caller of a
 * deduplicated GET the one parsed body instead of a lodash `cloneDeep` each; the package's README
 * allows it ("return its argument without cloning if your code … is OK with the values returned from
 * deduplicated requests sharing state"), and nothing here mutates a body.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { RESTDataSource, type AugmentedRequest, type DataSourceConfig } from '@apollo/datasource-rest';
import type { GraphQLError } from 'graphql';
import type { UserModel } from '../../src/model.js';
import { authHeaders as bellaDatiAuthHeaders } from '../../src/providers/belladati/credentials.js';
import { toGatewayError as bellaDatiError } from '../../src/providers/belladati/errors.js';
import { mapUser as mapBellaDatiUser } from '../../src/providers/belladati/map-user.js';
import { parseBellaDatiUserWire } from '../../src/providers/belladati/wire.js';
import { toGatewayError as droplitError } from '../../src/providers/droplit/errors.js';
import { mapUser as mapDroplitUser } from '../../src/providers/droplit/map-user.js';
import { parseDroplitUserWire } from '../../src/providers/droplit/wire.js';
import { toGatewayError as passboltError } from '../../src/providers/passbolt/errors.js';
import { mapUser as mapPassboltUser } from '../../src/providers/passbolt/map-user.js';
import { parsePassboltUserWire } from '../../src/providers/passbolt/wire.js';
import { toGatewayError as syncanoError } from '../../src/providers/syncano/errors.js';
import { mapUser as mapSyncanoUser } from '../../src/providers/syncano/map-user.js';
import { parseSyncanoUserWire } from '../../src/providers/syncano/wire.js';

/** Where the providers are: the gateway's own environment variables (README, "Configuration"). */
export interface PeerConfig {
  syncanoUrl: string;
  syncanoInstance: string;
  droplitUrl: string;
  passboltUrl: string;
  /** Ends in the API root, e.g. `https://service.belladati.com/api`. */
  bellaDatiUrl: string;
  bellaDatiConsumerKey: string;
}

export interface PeerDataSourceOptions extends DataSourceConfig {
  config: PeerConfig;
  /** The incoming request's headers: the caller's credentials (`X-Passbolt-Token`, …). */
  headers: IncomingHttpHeaders;
  /** The tuned peer: deduplicated GETs share one parsed body instead of a deep copy per caller. */
  shareParsedBodies: boolean;
}

/** What the resolvers call, whatever the provider. */
abstract class UserAPI extends RESTDataSource {
  private readonly headers: IncomingHttpHeaders;
  private readonly shareParsedBodies: boolean;
  private mePromise: Promise<UserModel> | undefined;

  constructor(options: PeerDataSourceOptions) {
    super(options);
    this.headers = options.headers;
    this.shareParsedBodies = options.shareParsedBodies;
  }

  /** One of the caller's headers (Node lower-cases their names); empty when absent. */
  protected header(name: string): string {
    const value = this.headers[name];
    return typeof value === 'string' ? value : '';
  }

  me(): Promise<UserModel> {
    return (this.mePromise ??= this.getMe());
  }

  async user(id: string): Promise<UserModel> {
    if (this.mePromise) {
      const me = await this.mePromise.catch(() => undefined);
      if (me?.id === id) return me;
    }
    return this.getUser(id);
  }

  protected abstract getMe(): Promise<UserModel>;
  protected abstract getUser(id: string): Promise<UserModel>;
  /** The gateway's error for a non-2xx answer (its provider's error table). */
  protected abstract errorFor(status: number, body: string): GraphQLError;

  protected override async errorFromResponse({ response, parsedBody }: { response: { status: number }; parsedBody: unknown }): Promise<GraphQLError> {
    return this.errorFor(response.status, typeof parsedBody === 'string' ? parsedBody : JSON.stringify(parsedBody));
  }

  protected override cloneParsedBody<T>(parsedBody: T): T {
    return this.shareParsedBodies ? parsedBody : super.cloneParsedBody(parsedBody);
  }
}

/** Syncano v1.1 (docs/providers/syncano.md): `GET …/user/` and `GET …/users/{id}/`. */
export class SyncanoAPI extends UserAPI {
  constructor(options: PeerDataSourceOptions) {
    super(options);
    this.baseURL = `${options.config.syncanoUrl}/v1.1/instances/${encodeURIComponent(options.config.syncanoInstance)}/`;
  }

  override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers['x-api-key'] = this.header('x-syncano-api-key');
    const userKey = this.header('x-syncano-user-key');
    if (userKey) request.headers['x-user-key'] = userKey;
    request.headers.accept = 'application/json';
  }

  protected async getMe(): Promise<UserModel> {
    return mapSyncanoUser(parseSyncanoUserWire(await this.get('user/')));
  }

  protected async getUser(id: string): Promise<UserModel> {
    return mapSyncanoUser(parseSyncanoUserWire(await this.get(`users/${encodeURIComponent(id)}/`)));
  }

  protected errorFor(status: number, body: string): GraphQLError {
    return syncanoError(status, body);
  }
}

/** Droplit (docs/providers/droplit.md): `GET /api/users/{ecosystemId};{uniqueId}`; `me` is the caller's own id. */
export class DroplitAPI extends UserAPI {
  constructor(options: PeerDataSourceOptions) {
    super(options);
    this.baseURL = `${options.config.droplitUrl}/api/`;
  }

  override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers.authorization = this.header('x-droplit-token');
    request.headers.accept = 'application/json';
  }

  protected getMe(): Promise<UserModel> {
    return this.getUser(this.header('x-droplit-user'));
  }

  protected async getUser(id: string): Promise<UserModel> {
    // The `;` separates the two parts inside one path segment; the uniqueId is encoded as one.
    const separator = id.indexOf(';');
    const path = `users/${id.slice(0, separator)};${encodeURIComponent(id.slice(separator + 1))}`;
    return mapDroplitUser(parseDroplitUserWire(await this.get(path)));
  }

  protected errorFor(status: number, body: string): GraphQLError {
    return droplitError(status, body);
  }
}

/** Passbolt (docs/providers/passbolt.md): `GET /users/{id}.json` and `GET /users/me.json`. */
export class PassboltAPI extends UserAPI {
  private readonly installation: string;

  constructor(options: PeerDataSourceOptions) {
    super(options);
    this.installation = options.config.passboltUrl;
    this.baseURL = `${options.config.passboltUrl}/`;
  }

  override willSendRequest(_path: string, request: AugmentedRequest): void {
    request.headers.authorization = `Bearer ${this.header('x-passbolt-token')}`;
    request.headers.accept = 'application/json';
  }

  protected async getMe(): Promise<UserModel> {
    return mapPassboltUser(parsePassboltUserWire(await this.get('users/me.json')), { baseUrl: this.installation });
  }

  protected async getUser(id: string): Promise<UserModel> {
    return mapPassboltUser(parsePassboltUserWire(await this.get(`users/${encodeURIComponent(id)}.json`)), { baseUrl: this.installation });
  }

  protected errorFor(status: number, body: string): GraphQLError {
    return passboltError(status, body);
  }
}

/**
 * BellaDati (docs/providers/belladati.md): `GET /api/users/{id}` and, for `me`,
 * `GET /api/users/username/{username}`, with the OAuth header (a fresh nonce and timestamp per request).
 */
export class BellaDatiAPI extends UserAPI {
  private readonly consumerKey: string;

  constructor(options: PeerDataSourceOptions) {
    super(options);
    this.consumerKey = options.config.bellaDatiConsumerKey;
    this.baseURL = `${options.config.bellaDatiUrl}/`;
  }

  override willSendRequest(_path: string, request: AugmentedRequest): void {
    Object.assign(request.headers, bellaDatiAuthHeaders({ consumerKey: this.consumerKey }, this.header('x-belladati-token')));
    request.headers.accept = 'application/json';
  }

  protected async getMe(): Promise<UserModel> {
    return mapBellaDatiUser(parseBellaDatiUserWire(await this.get(`users/username/${encodeURIComponent(this.header('x-belladati-username'))}`)));
  }

  protected async getUser(id: string): Promise<UserModel> {
    return mapBellaDatiUser(parseBellaDatiUserWire(await this.get(`users/${encodeURIComponent(id)}`)));
  }

  protected errorFor(status: number, body: string): GraphQLError {
    return bellaDatiError(status, body);
  }
}
