/**
 * The custom scalars. `DateTime` values arrive already normalised to RFC 3339 UTC by the adapters'
 * mapping (see src/providers/dates.ts), keeping the provider's fractional-second precision, which a
 * JS Date (and so most DateTime scalar libraries) would cut to milliseconds. `JSON` is the
 * graphql-scalars implementation.
 */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import { JSONResolver } from 'graphql-scalars';

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

function asDateTime(value: unknown): string {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value.toISOString();
  if (typeof value === 'string' && RFC3339_UTC.test(value)) return value;
  throw new GraphQLError('DateTime must be an RFC 3339 timestamp in UTC, e.g. 2015-05-19T15:52:36.183576Z.');
}

export const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An RFC 3339 timestamp in UTC.',
  serialize: asDateTime,
  parseValue: asDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be a string.', { nodes: ast });
    return asDateTime(ast.value);
  },
});

export const JSON = JSONResolver;
