export { buildApp } from './app.ts';
export type { GatewayDeps } from './app.ts';
export { receiveInbound } from './intake.ts';
export type { IntakeOutcome, IntakeDeps, InboundRequest } from './intake.ts';
export { startGatewayRuntime } from './runtime.ts';
export type { GatewayRuntime } from './runtime.ts';
export { SignatureVerifier } from './signature.ts';
export { PartnerRateLimiter } from './rate-limit.ts';
