/**
 * A contract check: one sentence and the code that proves it, for one provider. Each module exports
 * a function giving its checks for a fixture (a table of rows becomes one check per row), and the
 * suite runs every check against every registered provider, as graphql-http's audits run one list
 * against every server.
 */
import type { CheckContext } from '../context.js';
import type { ContractFixture } from '../fixture.js';

export interface Check {
  name: string;
  run(ctx: CheckContext): Promise<void>;
}

export type Checks = (fixture: ContractFixture) => Check[];
