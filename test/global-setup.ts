// Makes sure the real services the suite talks to are answering before any test runs.
// Filled in by test/support/services.ts.
export default async function setup(): Promise<void> {}
