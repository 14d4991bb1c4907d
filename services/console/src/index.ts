export { registerAdminApi, operatorForToken } from './admin-api.ts';
export type { AdminApiDeps } from './admin-api.ts';
export { startConsoleRuntime } from './runtime.ts';
export type { ConsoleRuntime } from './runtime.ts';
