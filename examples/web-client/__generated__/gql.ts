/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "fragment UserCard on User {\n  __typename\n  id\n  provider\n  username\n  displayName\n  email\n  active\n  avatarUrl\n  createdAt\n  groups {\n    id\n    name\n  }\n  roles {\n    value\n    scope\n  }\n  ... on SyncanoUser {\n    profile {\n      revision\n      fields\n    }\n    syncanoGroups {\n      label\n    }\n  }\n  ... on DroplitUser {\n    ecosystemId\n    access {\n      environmentId\n      accessLevel\n    }\n  }\n  ... on PassboltUser {\n    role {\n      name\n    }\n    gpgkey {\n      fingerprint\n      keyId\n    }\n  }\n  ... on BellaDatiUser {\n    domainId\n    firstLoginAt\n  }\n}\n\nquery UserById($provider: Provider!, $id: ID!) {\n  user(provider: $provider, id: $id) {\n    ...UserCard\n  }\n}\n\nquery Me($provider: Provider!) {\n  me(provider: $provider) {\n    ...UserCard\n  }\n}\n\nquery MeEverywhere {\n  syncano: me(provider: SYNCANO) {\n    ...UserCard\n  }\n  droplit: me(provider: DROPLIT) {\n    ...UserCard\n  }\n  passbolt: me(provider: PASSBOLT) {\n    ...UserCard\n  }\n  belladati: me(provider: BELLADATI) {\n    ...UserCard\n  }\n}\n\nquery ListUsers($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {\n  users(provider: $provider, first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...UserCard\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.UserCardFragmentDoc,
};
const documents: Documents = {
    "fragment UserCard on User {\n  __typename\n  id\n  provider\n  username\n  displayName\n  email\n  active\n  avatarUrl\n  createdAt\n  groups {\n    id\n    name\n  }\n  roles {\n    value\n    scope\n  }\n  ... on SyncanoUser {\n    profile {\n      revision\n      fields\n    }\n    syncanoGroups {\n      label\n    }\n  }\n  ... on DroplitUser {\n    ecosystemId\n    access {\n      environmentId\n      accessLevel\n    }\n  }\n  ... on PassboltUser {\n    role {\n      name\n    }\n    gpgkey {\n      fingerprint\n      keyId\n    }\n  }\n  ... on BellaDatiUser {\n    domainId\n    firstLoginAt\n  }\n}\n\nquery UserById($provider: Provider!, $id: ID!) {\n  user(provider: $provider, id: $id) {\n    ...UserCard\n  }\n}\n\nquery Me($provider: Provider!) {\n  me(provider: $provider) {\n    ...UserCard\n  }\n}\n\nquery MeEverywhere {\n  syncano: me(provider: SYNCANO) {\n    ...UserCard\n  }\n  droplit: me(provider: DROPLIT) {\n    ...UserCard\n  }\n  passbolt: me(provider: PASSBOLT) {\n    ...UserCard\n  }\n  belladati: me(provider: BELLADATI) {\n    ...UserCard\n  }\n}\n\nquery ListUsers($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {\n  users(provider: $provider, first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...UserCard\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.UserCardFragmentDoc,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment UserCard on User {\n  __typename\n  id\n  provider\n  username\n  displayName\n  email\n  active\n  avatarUrl\n  createdAt\n  groups {\n    id\n    name\n  }\n  roles {\n    value\n    scope\n  }\n  ... on SyncanoUser {\n    profile {\n      revision\n      fields\n    }\n    syncanoGroups {\n      label\n    }\n  }\n  ... on DroplitUser {\n    ecosystemId\n    access {\n      environmentId\n      accessLevel\n    }\n  }\n  ... on PassboltUser {\n    role {\n      name\n    }\n    gpgkey {\n      fingerprint\n      keyId\n    }\n  }\n  ... on BellaDatiUser {\n    domainId\n    firstLoginAt\n  }\n}\n\nquery UserById($provider: Provider!, $id: ID!) {\n  user(provider: $provider, id: $id) {\n    ...UserCard\n  }\n}\n\nquery Me($provider: Provider!) {\n  me(provider: $provider) {\n    ...UserCard\n  }\n}\n\nquery MeEverywhere {\n  syncano: me(provider: SYNCANO) {\n    ...UserCard\n  }\n  droplit: me(provider: DROPLIT) {\n    ...UserCard\n  }\n  passbolt: me(provider: PASSBOLT) {\n    ...UserCard\n  }\n  belladati: me(provider: BELLADATI) {\n    ...UserCard\n  }\n}\n\nquery ListUsers($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {\n  users(provider: $provider, first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...UserCard\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["fragment UserCard on User {\n  __typename\n  id\n  provider\n  username\n  displayName\n  email\n  active\n  avatarUrl\n  createdAt\n  groups {\n    id\n    name\n  }\n  roles {\n    value\n    scope\n  }\n  ... on SyncanoUser {\n    profile {\n      revision\n      fields\n    }\n    syncanoGroups {\n      label\n    }\n  }\n  ... on DroplitUser {\n    ecosystemId\n    access {\n      environmentId\n      accessLevel\n    }\n  }\n  ... on PassboltUser {\n    role {\n      name\n    }\n    gpgkey {\n      fingerprint\n      keyId\n    }\n  }\n  ... on BellaDatiUser {\n    domainId\n    firstLoginAt\n  }\n}\n\nquery UserById($provider: Provider!, $id: ID!) {\n  user(provider: $provider, id: $id) {\n    ...UserCard\n  }\n}\n\nquery Me($provider: Provider!) {\n  me(provider: $provider) {\n    ...UserCard\n  }\n}\n\nquery MeEverywhere {\n  syncano: me(provider: SYNCANO) {\n    ...UserCard\n  }\n  droplit: me(provider: DROPLIT) {\n    ...UserCard\n  }\n  passbolt: me(provider: PASSBOLT) {\n    ...UserCard\n  }\n  belladati: me(provider: BELLADATI) {\n    ...UserCard\n  }\n}\n\nquery ListUsers($provider: Provider!, $first: Int, $after: String, $filter: UserFilter) {\n  users(provider: $provider, first: $first, after: $after, filter: $filter) {\n    totalCount\n    edges {\n      cursor\n      node {\n        ...UserCard\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;