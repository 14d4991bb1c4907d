/* Generated from schemas/config/console-accounts.v1.json by `pnpm --filter @hub/console gen:types`. Do not edit. */

/**
 * The operators' console accounts (HUB_CONSOLE_ACCOUNTS): one entry per person, with a role and a scrypt password hash made by `pnpm hub console hash-password`. Never a plain password.
 */
export interface ConsoleAccountsFile {
  /**
   * @minItems 1
   * @maxItems 1000
   */
  accounts: [ConsoleAccountEntry, ...ConsoleAccountEntry[]];
}
export interface ConsoleAccountEntry {
  /**
   * Sign-in name: lower-case letters, digits, dot, dash or underscore; 2 to 64 characters. Recorded in the audit trail.
   */
  username: string;
  /**
   * viewer: read-only; operator: acts on holds, dead letters and queues, reveals personal data with a reason; dpo: reveals personal data with a reason, reads the audit trail; admin: acts on holds, dead letters, queues and partner endpoints, reads the audit trail, reloads the accounts.
   */
  role: "viewer" | "operator" | "dpo" | "admin";
  /**
   * scrypt$N$r$p$<salt, base64>$<hash, base64> with N a power of two of at least 16384.
   */
  passwordHash: string;
  /**
   * Who this account belongs to (team or job title); optional, shown to nobody.
   */
  description?: string;
}
