export { startRouterRuntime } from './runtime.ts';
export type { RouterRuntime } from './runtime.ts';
