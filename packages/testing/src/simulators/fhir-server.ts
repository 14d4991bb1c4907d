import type http from 'node:http';
import { NHS_NUMBER_SYSTEM, validateFhirR4 } from '@hub/adapters';
import { answerScripted, headerValue, listenLocal, readBody, sendJson } from './http-server.ts';
import { createRecorder } from './recorder.ts';
import { createScript, type ScriptStep } from './script.ts';

export interface FhirSubmission {
  path: string;
  /** The partner id from `/fhir/<partner>`, if any. */
  partnerId?: string;
  requestId?: string;
  contentType?: string;
  body: unknown;
  raw: Buffer;
  headers: http.IncomingHttpHeaders;
  receivedAt: Date;
  /** The status the server answered with (0 for a scripted hang). */
  status: number;
  /** Problems found (pointers and rule names), empty when the Bundle was accepted. */
  problems: string[];
}

export interface FhirServer {
  /** Base URL of the default endpoint: `${url}` is `http://127.0.0.1:<port>/fhir`. */
  url: string;
  port: number;
  received: FhirSubmission[];
  waitFor(condition: number | ((received: readonly FhirSubmission[]) => boolean), timeoutMs?: number): Promise<FhirSubmission[]>;
  script(step: ScriptStep, path?: string): void;
  /** `${url}/<partnerId>` */
  urlFor(partnerId: string): string;
  /** Forgets what was received and any unused scripted steps. */
  reset(): void;
  close(): Promise<void>;
}

const FHIR_JSON = 'application/fhir+json';

/**
 * A partner's FHIR endpoint: accepts a transaction Bundle POSTed to `/fhir` or `/fhir/<partner>`,
 * checks it against the FHIR R4 schema and the hub's contract (a Patient and a ServiceRequest
 * whose subject is one of them; NHS numbers under the NHS number system — or, for a correction,
 * exactly one Communication), answers 200 with a
 * transaction-response Bundle, or 400 with an OperationOutcome. Records every POST.
 */
export async function startFhirServer(opts: { port?: number; behaviour?: ScriptStep[] } = {}): Promise<FhirServer> {
  const recorder = createRecorder<FhirSubmission>('FHIR submissions');
  const script = createScript();
  for (const step of opts.behaviour ?? []) script.add(step);
  let nextId = 1;

  const handler: http.RequestListener = (req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname.replace(/\/$/, '');
      const match = /^\/fhir(?:\/([^/]+))?$/.exec(path);
      if (!match) return sendJson(res, 404, outcome('not-found', ['no such endpoint']), FHIR_JSON);
      if (req.method !== 'POST') return sendJson(res, 405, outcome('not-supported', ['POST a transaction Bundle']), FHIR_JSON);
      const raw = await readBody(req);
      const receivedAt = new Date();
      const contentType = headerValue(req, 'content-type');
      const requestId = headerValue(req, 'x-request-id');
      const base = { path, ...(match[1] ? { partnerId: match[1] } : {}), ...(requestId ? { requestId } : {}), ...(contentType ? { contentType } : {}), raw, headers: req.headers, receivedAt };

      const step = script.next(path);
      if (step) {
        recorder.record({ ...base, body: parseJson(raw), status: step.hang ? 0 : step.status, problems: [] });
        answerScripted(res, step, FHIR_JSON);
        return;
      }
      const body = parseJson(raw);
      const problems = contentType?.split(';')[0]?.trim() === FHIR_JSON ? checkTransaction(body) : ['content-type must be application/fhir+json'];
      if (problems.length > 0) {
        recorder.record({ ...base, body, status: 400, problems });
        return sendJson(res, 400, outcome('invalid', problems), FHIR_JSON);
      }
      recorder.record({ ...base, body, status: 200, problems });
      const entries = (body as { entry: { resource: { resourceType: string } }[] }).entry;
      sendJson(
        res,
        200,
        {
          resourceType: 'Bundle',
          type: 'transaction-response',
          entry: entries.map((e) => ({ response: { status: '201 Created', location: `${e.resource.resourceType}/${nextId++}/_history/1` } })),
        },
        FHIR_JSON,
      );
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 500, outcome('exception', ['server failure']), FHIR_JSON);
    });
  };

  const server = await listenLocal(handler, opts.port);
  const url = `http://127.0.0.1:${server.port}/fhir`;
  return {
    url,
    port: server.port,
    received: recorder.received,
    waitFor: recorder.waitFor,
    script: (step, path) => script.add(step, path),
    urlFor: (partnerId) => `${url}/${encodeURIComponent(partnerId)}`,
    reset() {
      recorder.received.length = 0;
      script.clear();
    },
    async close() {
      recorder.cancelWaits('FHIR server closed');
      await server.close();
    },
  };
}

interface Entry {
  fullUrl?: string;
  resource?: { resourceType?: string; identifier?: { system?: string; value?: string }[]; subject?: { reference?: string } };
  request?: { method?: string; url?: string };
}

/** The hub's contract on top of the schema. Problems name pointers and rules, not values. */
function checkTransaction(body: unknown): string[] {
  const validation = validateFhirR4(body);
  if (!validation.valid) return validation.issues.map((i) => `${i.pointer}: ${i.keyword}`);
  const bundle = body as { resourceType?: string; type?: string; entry?: Entry[] };
  if (bundle.resourceType !== 'Bundle' || bundle.type !== 'transaction') return ['/: not a transaction Bundle'];
  const entries = bundle.entry ?? [];
  // A correction of an earlier referral (referral.rectified): exactly one Communication, POSTed.
  if (entries.length > 0 && entries.every((e) => e.resource?.resourceType === 'Communication')) {
    return entries.length === 1 && entries[0]?.request?.method === 'POST' && entries[0].request.url === 'Communication' ? [] : ['/entry: a correction is exactly one POST Communication'];
  }
  const problems: string[] = [];
  const patients = new Set<string>();
  let serviceRequests = 0;
  entries.forEach((e, i) => {
    const type = e.resource?.resourceType;
    if (e.request?.method !== 'POST' || e.request.url !== type) problems.push(`/entry/${i}/request: must be POST ${type ?? '?'}`);
    if (type === 'Patient') {
      if (e.fullUrl) patients.add(e.fullUrl);
      (e.resource?.identifier ?? []).forEach((id, j) => {
        const looksLikeNhsNumber = /^\d{10}$/.test(id.value ?? '');
        if (looksLikeNhsNumber && id.system !== NHS_NUMBER_SYSTEM) problems.push(`/entry/${i}/resource/identifier/${j}/system: an NHS number needs ${NHS_NUMBER_SYSTEM}`);
        if (id.system === NHS_NUMBER_SYSTEM && !looksLikeNhsNumber) problems.push(`/entry/${i}/resource/identifier/${j}/value: not 10 digits`);
      });
    }
    if (type === 'ServiceRequest') serviceRequests += 1;
  });
  if (patients.size === 0) problems.push('/entry: no Patient');
  if (serviceRequests !== 1) problems.push('/entry: expected exactly one ServiceRequest');
  entries.forEach((e, i) => {
    if (e.resource?.resourceType === 'ServiceRequest' && !patients.has(e.resource.subject?.reference ?? '')) {
      problems.push(`/entry/${i}/resource/subject: must reference a Patient in the Bundle`);
    }
  });
  return problems;
}

function outcome(code: string, diagnostics: string[]): unknown {
  return { resourceType: 'OperationOutcome', issue: diagnostics.map((d) => ({ severity: 'error', code, diagnostics: d })) };
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}
