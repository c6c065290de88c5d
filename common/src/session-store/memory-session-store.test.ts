import { MemorySessionStore } from './memory-session-store';
import { runSessionStoreContract } from './session-store.contract';

runSessionStoreContract('MemorySessionStore', async () => new MemorySessionStore());
