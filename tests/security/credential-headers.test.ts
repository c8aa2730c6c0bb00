/**
 * Credential headers as a real client sends them, over real HTTP (node:http on both sides, so the
 * bytes on the wire are exactly the ones given here):
 * - a credential header sent twice, or two values joined with a comma, is refused as malformed on
 *   every provider (UNAUTHENTICATED, reason MALFORMED_CREDENTIALS) with no upstream call anywhere;
 * - a token with bytes no token holds (non-ASCII, a space) is refused the same way;
 * - `X-Droplit-User` and `X-BellaDati-Username` are read as UTF-8, so `me` works end to end for a
 *   user whose id or username is not ASCII; bytes that are not UTF-8 are malformed;
 * - the messages name the header (and say how to fix a `Bearer` prefix), never its value.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/model.js';
import { DEMO_CREDENTIALS } from '../../src/simulators/demo-credentials.js';
import type { SimulatorData } from '../../src/simulators/index.js';
import belladatiDemo from '../../src/simulators/belladati/demo-data.json' with { type: 'json' };
import droplitDemo from '../../src/simulators/droplit/demo-data.json' with { type: 'json' };
import { startStack, type Stack } from '../helpers/stack.js';

const SIMS = ['syncano', 'droplit', 'passbolt', 'belladati'] as const;

const SYNCANO = DEMO_CREDENTIALS.SYNCANO;
const DROPLIT_TOKEN = DEMO_CREDENTIALS.DROPLIT['X-Droplit-Token'];
const PASSBOLT_TOKEN = DEMO_CREDENTIALS.PASSBOLT['X-Passbolt-Token'];
const BELLADATI_TOKEN = DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Token'];
const BELLADATI_USER = DEMO_CREDENTIALS.BELLADATI['X-BellaDati-Username'];
const ECO = 'C573b86eeee43dd7ba0244f8a';

/** Users whose id or username is not ASCII, with a token of their own. */
const DROPLIT_UTF8_ID = `${ECO};jürgen-東京`;
const DROPLIT_UTF8_TOKEN = '_utf8UserToken-4d2c9e7a1b3f5d7e9a0c';
const BELLADATI_UTF8_USERNAME = 'müller@exämple.com';
const BELLADATI_UTF8_TOKEN = 'u7f8mu11er2k';

const DATA: Partial<SimulatorData> = {
  droplit: {
    ...(droplitDemo as SimulatorData['droplit']),
    tokens: { ...(droplitDemo as SimulatorData['droplit']).tokens, [DROPLIT_UTF8_TOKEN]: { type: 'user', user: DROPLIT_UTF8_ID } },
    users: [
      ...(droplitDemo as SimulatorData['droplit']).users,
      { id: DROPLIT_UTF8_ID, ecosystemId: ECO, uniqueId: 'jürgen-東京', meta: { $label: 'Jürgen' }, createdAt: '2020-01-02T03:04:05.000Z', access: [] },
    ],
  },
  belladati: {
    ...(belladatiDemo as SimulatorData['belladati']),
    tokens: { ...(belladatiDemo as SimulatorData['belladati']).tokens, [BELLADATI_UTF8_TOKEN]: '130' },
    users: [
      ...(belladatiDemo as SimulatorData['belladati']).users,
      { ...((belladatiDemo as SimulatorData['belladati']).users[0] as object), id: '130', username: BELLADATI_UTF8_USERNAME, email: BELLADATI_UTF8_USERNAME, roles: [] },
    ],
  },
};

interface Reply {
  status: number;
  body: { data?: any; errors?: any };
  text: string;
}

/**
 * POSTs an operation with the given header lines, each sent as is: a name listed twice is two header
 * lines, and a value is written byte for byte (UTF-8 when `utf8` is set, as a client would).
 */
function post(url: string, query: string, lines: Array<[string, string]>, utf8 = true): Promise<Reply> {
  const body = JSON.stringify({ query });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST' });
    req.setHeader('content-type', 'application/json');
    req.setHeader('content-length', Buffer.byteLength(body));
    const byName = new Map<string, string[]>();
    // node:http writes header values as Latin-1, one byte per character: encode UTF-8 bytes that way.
    for (const [name, value] of lines) byName.set(name, [...(byName.get(name) ?? []), utf8 ? Buffer.from(value, 'utf8').toString('latin1') : value]);
    for (const [name, values] of byName) req.setHeader(name, values.length === 1 ? values[0]! : values);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Reply['body'], text });
      });
    });
    req.on('error', reject);
    // A Buffer, not a string: node:http writes the header block in the first string chunk's encoding.
    req.end(Buffer.from(body, 'utf8'));
  });
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ data: DATA });
});
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => stack.clearRequests());

const upstreamCalls = () => SIMS.reduce((n, sim) => n + stack.sims[sim].requests().length, 0);

/** The one error of a one-field response; the field is null. */
function onlyError(res: Reply, field: string): { message: string; extensions: Record<string, unknown> } {
  expect(res.status, res.text).toBe(200);
  expect(res.body.data?.[field], res.text).toBeNull();
  expect(res.body.errors, res.text).toHaveLength(1);
  return res.body.errors[0];
}

const userOf = (p: ProviderName, id: string) => `{ user(provider: ${p}, id: ${JSON.stringify(id)}) { id } }`;
const meOf = (p: ProviderName) => `{ me(provider: ${p}) { id username } }`;

interface Case {
  name: string;
  provider: ProviderName;
  field: 'user' | 'me';
  query: string;
  lines: Array<[string, string]>;
  header: string;
  /** Credential values that must not appear in the response. */
  secrets: string[];
}

const userCase = (provider: ProviderName, id: string) => ({ provider, field: 'user' as const, query: userOf(provider, id) });
const meCase = (provider: ProviderName) => ({ provider, field: 'me' as const, query: meOf(provider) });

/** Every credential header, sent twice (the same value both times), or as two values joined with a comma. */
const REPEATED: Case[] = [
  { name: 'X-Syncano-Api-Key sent twice', ...userCase('SYNCANO', '1'), lines: [['X-Syncano-Api-Key', SYNCANO['X-Syncano-Api-Key']], ['X-Syncano-Api-Key', SYNCANO['X-Syncano-Api-Key']]], header: 'X-Syncano-Api-Key', secrets: [SYNCANO['X-Syncano-Api-Key']] },
  { name: 'X-Syncano-User-Key sent twice', ...meCase('SYNCANO'), lines: [['X-Syncano-Api-Key', SYNCANO['X-Syncano-Api-Key']], ['X-Syncano-User-Key', SYNCANO['X-Syncano-User-Key']], ['X-Syncano-User-Key', SYNCANO['X-Syncano-User-Key']]], header: 'X-Syncano-User-Key', secrets: [SYNCANO['X-Syncano-User-Key']] },
  { name: 'X-Droplit-Token sent twice', ...userCase('DROPLIT', `${ECO};test`), lines: [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-Token', DROPLIT_TOKEN]], header: 'X-Droplit-Token', secrets: [DROPLIT_TOKEN] },
  { name: 'X-Droplit-Token with two tokens joined', ...userCase('DROPLIT', `${ECO};test`), lines: [['X-Droplit-Token', `${DROPLIT_TOKEN}, ${DROPLIT_TOKEN}`]], header: 'X-Droplit-Token', secrets: [DROPLIT_TOKEN] },
  { name: 'X-Droplit-User sent twice', ...meCase('DROPLIT'), lines: [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-User', `${ECO};test`], ['X-Droplit-User', `${ECO};test`]], header: 'X-Droplit-User', secrets: [DROPLIT_TOKEN] },
  { name: 'X-Droplit-User with two ids joined', ...meCase('DROPLIT'), lines: [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-User', `${ECO};test, ${ECO};testUser`]], header: 'X-Droplit-User', secrets: [DROPLIT_TOKEN] },
  { name: 'X-Passbolt-Token sent twice', ...meCase('PASSBOLT'), lines: [['X-Passbolt-Token', PASSBOLT_TOKEN], ['X-Passbolt-Token', PASSBOLT_TOKEN]], header: 'X-Passbolt-Token', secrets: [PASSBOLT_TOKEN] },
  { name: 'X-BellaDati-Token sent twice', ...userCase('BELLADATI', '123'), lines: [['X-BellaDati-Token', BELLADATI_TOKEN], ['X-BellaDati-Token', BELLADATI_TOKEN]], header: 'X-BellaDati-Token', secrets: [BELLADATI_TOKEN] },
  { name: 'X-BellaDati-Username sent twice', ...meCase('BELLADATI'), lines: [['X-BellaDati-Token', BELLADATI_TOKEN], ['X-BellaDati-Username', BELLADATI_USER], ['X-BellaDati-Username', BELLADATI_USER]], header: 'X-BellaDati-Username', secrets: [BELLADATI_TOKEN] },
  { name: 'X-BellaDati-Username with two usernames joined', ...meCase('BELLADATI'), lines: [['X-BellaDati-Token', BELLADATI_TOKEN], ['X-BellaDati-Username', `${BELLADATI_USER},${BELLADATI_USER}`]], header: 'X-BellaDati-Username', secrets: [BELLADATI_TOKEN] },
];

/** Tokens with bytes no token of that provider can hold. */
const BAD_TOKENS: Case[] = [
  { name: 'a non-ASCII X-Syncano-Api-Key', ...userCase('SYNCANO', '1'), lines: [['X-Syncano-Api-Key', `${SYNCANO['X-Syncano-Api-Key'].slice(0, 39)}é`]], header: 'X-Syncano-Api-Key', secrets: [] },
  { name: 'an X-Syncano-User-Key with a space', ...meCase('SYNCANO'), lines: [['X-Syncano-Api-Key', SYNCANO['X-Syncano-Api-Key']], ['X-Syncano-User-Key', `${SYNCANO['X-Syncano-User-Key'].slice(0, 20)} ${SYNCANO['X-Syncano-User-Key'].slice(20)}`]], header: 'X-Syncano-User-Key', secrets: [] },
  { name: 'a non-ASCII X-Droplit-Token', ...userCase('DROPLIT', `${ECO};test`), lines: [['X-Droplit-Token', `${DROPLIT_TOKEN}ü`]], header: 'X-Droplit-Token', secrets: [DROPLIT_TOKEN] },
  { name: 'an X-Droplit-Token with a space', ...userCase('DROPLIT', `${ECO};test`), lines: [['X-Droplit-Token', `token ${DROPLIT_TOKEN}`]], header: 'X-Droplit-Token', secrets: [DROPLIT_TOKEN] },
  { name: 'a non-ASCII X-Passbolt-Token', ...meCase('PASSBOLT'), lines: [['X-Passbolt-Token', `${PASSBOLT_TOKEN}€`]], header: 'X-Passbolt-Token', secrets: [PASSBOLT_TOKEN] },
  { name: 'a non-ASCII X-BellaDati-Token', ...userCase('BELLADATI', '123'), lines: [['X-BellaDati-Token', `${BELLADATI_TOKEN}ß`]], header: 'X-BellaDati-Token', secrets: [BELLADATI_TOKEN] },
  { name: 'an X-BellaDati-Token with a space', ...userCase('BELLADATI', '123'), lines: [['X-BellaDati-Token', `${BELLADATI_TOKEN.slice(0, 4)} ${BELLADATI_TOKEN.slice(4)}`]], header: 'X-BellaDati-Token', secrets: [] },
];

describe.each([
  ['repeated or joined credential headers', REPEATED],
  ['tokens with bytes no token holds', BAD_TOKENS],
])('%s', (_group, cases) => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: MALFORMED_CREDENTIALS naming the header, no upstream call', async (_name, c) => {
    const res = await post(stack.url, c.query, c.lines);
    const error = onlyError(res, c.field);
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: c.provider, reason: 'MALFORMED_CREDENTIALS' });
    expect(error.message).toBe(`${c.provider.toLowerCase()}: the ${c.header} header is malformed.`);
    for (const secret of c.secrets) expect(res.text).not.toContain(secret.slice(0, 8));
    expect(upstreamCalls()).toBe(0);
  });
});

describe('non-ASCII ids and usernames, end to end', () => {
  it('Droplit: me for an X-Droplit-User sent as UTF-8 reaches that very user, under its own user token', async () => {
    const res = await post(stack.url, meOf('DROPLIT'), [['X-Droplit-Token', DROPLIT_UTF8_TOKEN], ['X-Droplit-User', DROPLIT_UTF8_ID]]);
    expect(res.body, res.text).toEqual({ data: { me: { id: DROPLIT_UTF8_ID, username: 'jürgen-東京' } } });
    expect(stack.sims.droplit.requests().map((r) => r.path)).toEqual([`/api/users/${ECO};j%C3%BCrgen-%E6%9D%B1%E4%BA%AC`]);
  });

  it('Droplit: me and user of the same non-ASCII id cost one upstream call', async () => {
    const query = `{ me(provider: DROPLIT) { id } user(provider: DROPLIT, id: ${JSON.stringify(DROPLIT_UTF8_ID)}) { id } }`;
    const res = await post(stack.url, query, [['X-Droplit-Token', DROPLIT_UTF8_TOKEN], ['X-Droplit-User', DROPLIT_UTF8_ID]]);
    expect(res.body, res.text).toEqual({ data: { me: { id: DROPLIT_UTF8_ID }, user: { id: DROPLIT_UTF8_ID } } });
    expect(stack.sims.droplit.requests()).toHaveLength(1);
  });

  it('Droplit: the demo user with a non-ASCII uniqueId, by a server token', async () => {
    const id = 'C594b4a7e42a2ab152bca2195;auth0|Zoë Ødegård;ops';
    const res = await post(stack.url, meOf('DROPLIT'), [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-User', id]]);
    expect(res.body.data?.me?.id, res.text).toBe(id);
  });

  it('BellaDati: me for an X-BellaDati-Username sent as UTF-8 reaches that very user', async () => {
    const res = await post(stack.url, meOf('BELLADATI'), [['X-BellaDati-Token', BELLADATI_UTF8_TOKEN], ['X-BellaDati-Username', BELLADATI_UTF8_USERNAME]]);
    expect(res.body, res.text).toEqual({ data: { me: { id: '130', username: BELLADATI_UTF8_USERNAME } } });
    expect(stack.sims.belladati.requests().map((r) => r.path.split('?')[0])).toEqual(['/api/users/username/m%C3%BCller%40ex%C3%A4mple.com']);
  });

  it.each([
    ['DROPLIT', 'X-Droplit-User', [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-User', `${ECO};t\u00fcst`]]],
    ['BELLADATI', 'X-BellaDati-Username', [['X-BellaDati-Token', BELLADATI_TOKEN], ['X-BellaDati-Username', 'm\u00fcller@example.com']]],
  ] as const)('%s: a %s whose bytes are not UTF-8 (Latin-1 ü) is malformed, with no upstream call', async (provider, header, lines) => {
    const res = await post(stack.url, meOf(provider), lines.map(([n, v]) => [n, v]), false);
    const error = onlyError(res, 'me');
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider, reason: 'MALFORMED_CREDENTIALS' });
    expect(error.message).toBe(`${provider.toLowerCase()}: the ${header} header is malformed.`);
    expect(upstreamCalls()).toBe(0);
  });
});

describe('messages that say what to fix', () => {
  it('X-Passbolt-Token with a Bearer prefix: send the bare JWT', async () => {
    const res = await post(stack.url, meOf('PASSBOLT'), [['X-Passbolt-Token', `Bearer ${PASSBOLT_TOKEN}`]]);
    const error = onlyError(res, 'me');
    expect(error.extensions).toEqual({ code: 'UNAUTHENTICATED', provider: 'PASSBOLT', reason: 'MALFORMED_CREDENTIALS' });
    expect(error.message).toBe('passbolt: the X-Passbolt-Token header is malformed: send the bare JWT, without "Bearer" (the gateway adds it).');
    expect(res.text).not.toContain(PASSBOLT_TOKEN.slice(0, 8));
    expect(upstreamCalls()).toBe(0);
  });

  it('a malformed X-Droplit-User names the header, not the value', async () => {
    const res = await post(stack.url, meOf('DROPLIT'), [['X-Droplit-Token', DROPLIT_TOKEN], ['X-Droplit-User', 'not-my-id']]);
    const error = onlyError(res, 'me');
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'DROPLIT' });
    expect(error.message).toMatch(/^droplit: the X-Droplit-User header must be your own id, "<ecosystemId>;<uniqueId>"/);
    expect(error.message).not.toContain('not-my-id');
    expect(upstreamCalls()).toBe(0);
  });

  it('a missing header is named as clients spell it', async () => {
    const error = onlyError(await post(stack.url, meOf('BELLADATI'), [['X-BellaDati-Token', BELLADATI_TOKEN]]), 'me');
    expect(error).toMatchObject({
      message: 'belladati: the X-BellaDati-Username header is required.',
      extensions: { code: 'UNAUTHENTICATED', provider: 'BELLADATI', reason: 'MISSING_CREDENTIALS' },
    });
  });
});
