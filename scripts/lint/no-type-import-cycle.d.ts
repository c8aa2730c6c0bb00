/** The rule is plain JavaScript so ESLint loads it without a build; this is its type for the tests. */
import type { Rule } from 'eslint';

declare const noTypeImportCycle: Rule.RuleModule;
export default noTypeImportCycle;
