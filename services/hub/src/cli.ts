import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { ConfigError, loadConfig } from '@hub/config';
import { consoleCommand } from '@hub/console';
import { ledgerCommand } from './ledger-cli.ts';
import { sarCommand } from './sar-cli.ts';
import { retentionCommand } from './retention-cli.ts';
import { extractCommand } from './extract-cli.ts';
import { statsCommand } from './stats-cli.ts';

const USAGE = `Usage:
  pnpm hub send <file.json> --as <partnerId> [--url http://127.0.0.1:8080] [--id <webhook-id>]
  pnpm hub ledger verify [--page-size N]
  pnpm hub sar find|export|due|backfill …   (subject access; pnpm hub sar help)
  pnpm hub console hash-password   (reads the password from stdin)
  pnpm hub retention dry-run|run …, erase …, legal-hold …   (retention and erasure; pnpm hub retention help)
  pnpm hub stats report|feedback|performance|backfill …   (anonymised statistics; pnpm hub stats help)
  pnpm hub extract --from YYYY-MM-DD --to YYYY-MM-DD --out <dir>   (national evaluation extract; pnpm hub extract --help)

Signs the file's bytes with the partner's first secret from the partner registry
(Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature) and POSTs them to
<url>/v1/inbound/<partnerId>. Prints the status and the hub's answer.

ledger verify walks the disclosure ledger's hash chain (DATABASE_URL, or the embedded
database under HUB_DATA_DIR) and reports the first broken link; exit 1 if there is one.

console hash-password prints the scrypt hash of a password for the console accounts file
(HUB_CONSOLE_ACCOUNTS); it asks without echo on a terminal, or reads a pipe.`;

async function send(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { as: { type: 'string' }, url: { type: 'string' }, id: { type: 'string' } },
  });
  const file = positionals[0];
  if (!file || !values.as) {
    console.error(USAGE);
    return 2;
  }
  const config = loadConfig(process.env);
  const partner = config.partners.get(values.as);
  if (!partner) {
    console.error(`No partner "${values.as}" in ${config.settings.configDir}/partners.yaml`);
    return 2;
  }
  const secret = partner.secrets[0];
  if (!secret) {
    console.error(`Partner "${values.as}" has no secret`);
    return 2;
  }
  const body = readFileSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), file));
  const webhookId = values.id ?? `msg_${randomUUID()}`;
  const now = new Date();
  const signature = new Webhook(secret).sign(webhookId, now, body.toString('utf8'));
  const base = values.url ?? `http://${config.settings.host}:${config.settings.gatewayPort}`;
  const response = await fetch(`${base}/v1/inbound/${encodeURIComponent(partner.id)}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'webhook-id': webhookId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': signature,
    },
    body,
  });
  const text = await response.text();
  console.log(`${response.status} ${response.statusText} (webhook-id ${webhookId})`);
  console.log(text);
  return response.ok ? 0 : 1;
}

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  try {
    switch (command) {
      case 'send':
        process.exitCode = await send(rest);
        return;
      case 'stats':
        process.exitCode = await statsCommand(rest);
        return;
      case 'extract':
        process.exitCode = await extractCommand(rest);
        return;
      case 'ledger':
        process.exitCode = await ledgerCommand(rest);
        return;
      case 'sar':
        process.exitCode = await sarCommand(rest);
        return;
      case 'console':
        process.exitCode = await consoleCommand(rest);
        return;
      case 'retention':
      case 'erase':
      case 'legal-hold':
        process.exitCode = await retentionCommand(command, rest);
        return;
      default:
        console.error(USAGE);
        process.exitCode = command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `hub ${command}: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}

await main();
