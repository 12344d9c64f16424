import type { FunctionDefinition } from '../shared/host/function-definition';
import { health } from './health';

/**
 * Every function of the app. The real host's entry (functions/index.ts) and the local host both
 * register from this list. Add a function by adding its file under functions/ and one line here.
 */
export const FUNCTIONS: readonly FunctionDefinition[] = [health];
