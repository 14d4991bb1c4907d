// RFC 4180 CSV: fields holding a comma, double quote, CR or LF are quoted, with quotes
// doubled; records end with CRLF.

export const CSV_LINE_END = '\r\n';

export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function csvRecord(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + CSV_LINE_END;
}
