import { app } from '@azure/functions';
import { registerAll } from '../shared/host/register';
import { FUNCTIONS } from './registry';

// Entry module the Functions host loads (package.json "main" points at its bundle).
app.setup({ enableHttpStream: false });
registerAll(app, FUNCTIONS);
