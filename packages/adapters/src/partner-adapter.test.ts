import { describe, expect, it } from 'vitest';
import { randomSecret } from '@hub/testing';
import { createAdapterFor } from './partner-adapter.ts';

describe('createAdapterFor', () => {
  it('builds the adapter the partner’s delivery config names', async () => {
    const webhook = createAdapterFor({ id: 'schools', delivery: { channel: 'webhook', url: 'https://schools.example/hook', secret: randomSecret() } });
    const fhir = createAdapterFor({ id: 'gp', delivery: { channel: 'fhir', url: 'http://127.0.0.1:8080/fhir', localTestEndpoint: true, timeoutMs: 2_000 } });
    const email = createAdapterFor({ id: 'counselling', delivery: { channel: 'email', email: { to: 'referrals@counselling.example', smtpUrl: 'smtp://127.0.0.1:2525', localTestServer: true, requireTls: false } } });
    expect([webhook.channel, fhir.channel, email.channel]).toEqual(['webhook', 'fhir', 'email']);
    await email.close?.();
  });

  it('refuses incomplete or unsafe settings, naming the partner and the setting, never the secret', () => {
    const secret = randomSecret();
    expect(() => createAdapterFor({ id: 'p1' })).toThrow('partner p1: no delivery settings');
    expect(() => createAdapterFor({ id: 'p1', delivery: { channel: 'webhook', secret } })).toThrow('partner p1: webhook delivery needs a url');
    expect(() => createAdapterFor({ id: 'p1', delivery: { channel: 'webhook', url: 'https://x.example' } })).toThrow('partner p1: webhook delivery needs a signing secret');
    expect(() => createAdapterFor({ id: 'p1', delivery: { channel: 'webhook', url: 'http://x.example', secret } })).toThrow(/https/);
    expect(() => createAdapterFor({ id: 'p1', delivery: { channel: 'fhir' } })).toThrow('partner p1: FHIR delivery needs a url');
    expect(() => createAdapterFor({ id: 'p1', delivery: { channel: 'email' } })).toThrow('partner p1: email delivery needs email settings');
    try {
      createAdapterFor({ id: 'p1', delivery: { channel: 'webhook', url: 'http://x.example', secret } });
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
  });
});
