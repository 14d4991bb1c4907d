import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ExtractShapeError, writeCsvWithManifest } from './extract.ts';

const now = new Date('2026-06-15T10:00:00.000Z');
const columns = ['name', 'address', 'dob'] as const;

describe('writeCsvWithManifest', () => {
  it('writes RFC 4180 CSV in column order with a matching manifest', () => {
    const rows = [
      { dob: '2015-03-01', name: 'Ann "Annie" Smith', address: '1 High St, Oldtown' },
      { name: 'Bo', address: 'Flat 2\nMill Lane', dob: '2016-07-09' },
    ];
    const { csv, manifest } = writeCsvWithManifest(rows, columns, { now, file: 'evaluation-2026-06.csv' });
    const text = 'name,address,dob\r\n"Ann ""Annie"" Smith","1 High St, Oldtown",2015-03-01\r\nBo,"Flat 2\nMill Lane",2016-07-09\r\n';
    expect(csv.toString('utf8')).toBe(text);
    expect(manifest).toEqual({
      file: 'evaluation-2026-06.csv',
      sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
      rows: 2,
      columns: ['name', 'address', 'dob'],
      createdAt: '2026-06-15T10:00:00.000Z',
    });
  });

  it('hashes the exact bytes, including non-ASCII text', () => {
    const { csv, manifest } = writeCsvWithManifest([{ name: 'Zoë Ó Briain' }], ['name'], { now });
    expect(manifest.sha256).toBe(createHash('sha256').update(csv).digest('hex'));
    expect(csv.toString('utf8')).toBe('name\r\nZoë Ó Briain\r\n');
    expect(manifest.file).toBe('extract-2026-06-15T10-00-00-000Z.csv');
  });

  it('writes just the header for no rows', () => {
    const { csv, manifest } = writeCsvWithManifest([], columns, { now });
    expect(csv.toString('utf8')).toBe('name,address,dob\r\n');
    expect(manifest.rows).toBe(0);
  });

  it('refuses an extra key, naming the key but never its value', () => {
    const rows: Record<string, string>[] = [
      { name: 'Ann', address: 'x', dob: '2015-03-01' },
      { name: 'Bo', address: 'y', dob: '2016-07-09', nhsNumber: '9434765919' },
    ];
    let error: unknown;
    try {
      writeCsvWithManifest(rows, columns, { now });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExtractShapeError);
    const shapeError = error as ExtractShapeError;
    expect(shapeError).toMatchObject({ problem: 'unexpected-key', row: 2, key: 'nhsNumber' });
    expect(shapeError.message).toContain('nhsNumber');
    expect(shapeError.message).not.toContain('9434765919');
    expect(shapeError.message).not.toContain('Bo');
  });

  it('refuses a missing key or a non-string value, naming the column only', () => {
    expect(() => writeCsvWithManifest([{ name: 'Ann', dob: '2015-03-01' }], columns)).toThrow(
      expect.objectContaining({ problem: 'missing-key', row: 1, key: 'address' }),
    );
    const notString = { name: 'Ann', address: 'x', dob: 20150301 } as unknown as Record<string, string>;
    expect(() => writeCsvWithManifest([notString], columns)).toThrow(expect.objectContaining({ problem: 'not-a-string', key: 'dob' }));
    expect(() => writeCsvWithManifest([notString], columns)).not.toThrow(/20150301/);
  });

  it('refuses empty or duplicated column lists', () => {
    expect(() => writeCsvWithManifest([], [])).toThrow(RangeError);
    expect(() => writeCsvWithManifest([], ['name', 'dob', 'name'])).toThrow(/duplicate extract column "name"/);
  });
});
