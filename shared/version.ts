/** The product version, read once from package.json (bundled by esbuild, resolved by tsc). */
import pkg from '../package.json';

export const VERSION: string = pkg.version;
