// Which collector this agent is: built by tsc and installed with its node_modules ("agent"), or
// the one-file bundle (`npm run bundle` defines __PBXREADY_BUNDLE__, so the report says so).

import type { AgentCollector } from '../shared/model.js';

declare const __PBXREADY_BUNDLE__: boolean | undefined;

export const COLLECTOR: AgentCollector = typeof __PBXREADY_BUNDLE__ !== 'undefined' && __PBXREADY_BUNDLE__ ? 'bundled-agent' : 'agent';
