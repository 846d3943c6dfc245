// Worker threads start without the parent's TypeScript loader (bin/gatehouse registers tsx in
// code, vitest uses its own): register tsx here, then run the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./evaluation-worker.ts');
