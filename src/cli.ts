#!/usr/bin/env node
/**
 * The `usergraph` command:
 *   usergraph [start]       run the gateway (demo mode by default: with the embedded simulators)
 *   usergraph check         validate the configuration and reach each configured provider
 *   usergraph print-schema  print the schema as SDL
 *   usergraph print-subgraph  print the Federation subgraph SDL (with @link/@key), for composition
 *   usergraph simulators    only the provider simulators (for a gateway in production mode elsewhere)
 */
import { ConfigError } from './config.js';

const USAGE = `usage: usergraph [start | check | print-schema | print-subgraph | simulators | help]

  start          run the gateway (the default); configuration from environment variables
  check          validate the configuration and reach each configured provider; exit 1 if one fails
  print-schema   print the GraphQL schema (SDL) to stdout
  print-subgraph print the Federation 2 subgraph SDL (with @link and @key) to stdout, for composing a supergraph
  simulators     run only the provider simulators (demo data; *_SIMULATOR_PORT, HOST)
`;

export async function runCli(argv: readonly string[]): Promise<number | undefined> {
  const command = argv[0] ?? 'start';
  try {
    switch (command) {
      case 'start': {
        // graphql-js picks its development-only checks (a slower instanceOf on every type test) when
        // it is first loaded, from NODE_ENV: production mode means production libraries too.
        if (process.env.USERGRAPH_MODE === 'production') process.env.NODE_ENV ??= 'production';
        const { start } = await import('./commands/start.js');
        await start();
        return undefined; // keeps running until a signal
      }
      case 'check': {
        const { check } = await import('./commands/check.js');
        return await check(process.env, (line) => process.stdout.write(`${line}\n`));
      }
      case 'print-subgraph': {
        const { printSubgraphSdl } = await import('./commands/print-schema.js');
        process.stdout.write(`${printSubgraphSdl()}\n`);
        return 0;
      }
      case 'print-schema': {
        const { printGatewaySchema } = await import('./commands/print-schema.js');
        process.stdout.write(`${printGatewaySchema()}\n`);
        return 0;
      }
      case 'simulators': {
        const { runSimulators } = await import('./commands/simulators.js');
        await runSimulators(process.env, (line) => process.stdout.write(`${line}\n`));
        return undefined;
      }
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return 0;
      default:
        process.stderr.write(`unknown command: ${command}\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    process.stderr.write(`usergraph ${command} failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const code = await runCli(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
