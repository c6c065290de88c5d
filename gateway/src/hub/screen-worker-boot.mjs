// Worker entry in plain JavaScript: a worker thread does not inherit the tsx loader of the process (nor
// accept `--import` in its execArgv), so this loads the TypeScript entry through tsx's scoped tsImport.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
