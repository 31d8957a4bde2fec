import pkg from '../package.json' with { type: 'json' };
import type { ToolInfo } from './model.js';

export const TOOL: ToolInfo = { name: pkg.name, version: pkg.version };
