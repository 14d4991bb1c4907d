// JSON Schema (2020-12) for one service as the Open Referral UK API returns it from
// `GET /services/{id}` (and as each item of `GET /services` `content`): the subset of fields
// the hub reads, snake_case as in the standard. Other ORUK fields are allowed and ignored,
// so a full ORUK feed validates. See the package README for the source.

const idString = { type: 'string', minLength: 1, maxLength: 200 } as const;
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const age = { type: 'integer', minimum: 0, maximum: 130 } as const;

export const ORUK_SERVICE_SCHEMA_ID = 'https://hub.example/schemas/directory/oruk-service.json';

export const ORUK_SERVICE_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: ORUK_SERVICE_SCHEMA_ID,
  title: 'Open Referral UK service (subset read by the hub)',
  type: 'object',
  required: ['id', 'name', 'status', 'organization', 'service_taxonomys'],
  properties: {
    id: idString,
    name: { type: 'string', minLength: 1, maxLength: 300 },
    description: text(5000),
    url: { type: 'string', format: 'uri', maxLength: 2000 },
    email: { type: 'string', format: 'email', maxLength: 320 },
    status: { type: 'string', enum: ['active', 'inactive', 'defunct', 'temporarily closed'] },
    organization: {
      type: 'object',
      required: ['id', 'name'],
      properties: {
        id: idString,
        name: { type: 'string', minLength: 1, maxLength: 300 },
        description: text(5000),
        url: { type: 'string', format: 'uri', maxLength: 2000 },
      },
    },
    eligibilitys: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['id'],
        properties: { id: idString, eligibility: text(500), minimum_age: age, maximum_age: age },
      },
    },
    contacts: {
      type: 'array',
      maxItems: 50,
      items: {
        type: 'object',
        required: ['id'],
        properties: {
          id: idString,
          name: text(300),
          title: text(300),
          phones: {
            type: 'array',
            maxItems: 20,
            items: { type: 'object', required: ['id', 'number'], properties: { id: idString, number: { type: 'string', format: 'uk-phone', maxLength: 40 } } },
          },
        },
      },
    },
    service_at_locations: {
      type: 'array',
      maxItems: 200,
      items: {
        type: 'object',
        required: ['id', 'location'],
        properties: {
          id: idString,
          location: {
            type: 'object',
            required: ['id'],
            properties: {
              id: idString,
              name: text(300),
              latitude: { type: 'number', minimum: -90, maximum: 90 },
              longitude: { type: 'number', minimum: -180, maximum: 180 },
              physical_addresses: {
                type: 'array',
                maxItems: 10,
                items: {
                  type: 'object',
                  required: ['id', 'postal_code'],
                  properties: {
                    id: idString,
                    address_1: text(300),
                    city: text(100),
                    state_province: text(100),
                    postal_code: { type: 'string', format: 'uk-postcode', maxLength: 10 },
                    country: { type: 'string', minLength: 2, maxLength: 2 },
                  },
                },
              },
            },
          },
          regular_schedules: { type: 'array', maxItems: 50, items: { type: 'object' } },
        },
      },
    },
    regular_schedules: { type: 'array', maxItems: 50, items: { type: 'object' } },
    service_taxonomys: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['id', 'taxonomy'],
        properties: {
          id: idString,
          taxonomy: {
            type: 'object',
            required: ['id', 'name'],
            properties: { id: idString, name: { type: 'string', minLength: 1, maxLength: 300 }, vocabulary: text(100) },
          },
        },
      },
    },
  },
} as const;

/** The fields of an ORUK service the hub reads, once the record has passed ORUK_SERVICE_SCHEMA. */
export interface OrukService {
  id: string;
  name: string;
  description?: string;
  url?: string;
  email?: string;
  status: 'active' | 'inactive' | 'defunct' | 'temporarily closed';
  organization: { id: string; name: string; description?: string; url?: string };
  eligibilitys?: { id: string; eligibility?: string; minimum_age?: number; maximum_age?: number }[];
  contacts?: { id: string; name?: string; title?: string; phones?: { id: string; number: string }[] }[];
  service_at_locations?: {
    id: string;
    location: {
      id: string;
      name?: string;
      physical_addresses?: { id: string; address_1?: string; city?: string; postal_code: string }[];
    };
  }[];
  service_taxonomys: { id: string; taxonomy: { id: string; name: string; vocabulary?: string } }[];
}
