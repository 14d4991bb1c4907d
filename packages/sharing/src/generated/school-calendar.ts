/* Generated from schemas/config/school-calendar.v1.json by `pnpm --filter @hub/sharing gen:types`. Do not edit. */

/**
 * The school calendar used for Operation Encompass deadlines: the time zone, when the school day starts, and the holidays. Weekdays outside the holidays are school days.
 */
export interface SchoolCalendarFile {
  /**
   * IANA time zone name, e.g. Europe/London.
   */
  timeZone: string;
  /**
   * Local start of the school day, HH:MM (24-hour).
   */
  schoolDayStart: string;
  /**
   * @maxItems 500
   */
  holidays: SchoolHoliday[];
}
export interface SchoolHoliday {
  name?: string;
  /**
   * First day off (local date, inclusive).
   */
  from: string;
  /**
   * Last day off (local date, inclusive).
   */
  to: string;
}
