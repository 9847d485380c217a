// Working days of the window (docs/draw-protocol.md, section 4): a date of the
// window (both ends included) is a working day if calendar.workdays lists it,
// or if it is Monday to Friday and calendar.holidays does not list it.
// Dates are "YYYY-MM-DD" strings throughout (they sort as dates).

const DAY_MS = 86400000;

/** Days since 1970-01-01 of a "YYYY-MM-DD" date (UTC; no time zone enters). */
export function dayNumber(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d); // years below 100 too (Date.UTC would map them to 19xx)
  return Math.round(t.getTime() / DAY_MS);
}

/** The "YYYY-MM-DD" date of a day number. */
export function isoDate(days) {
  const t = new Date(days * DAY_MS);
  return String(t.getUTCFullYear()).padStart(4, "0") + "-" +
    String(t.getUTCMonth() + 1).padStart(2, "0") + "-" + String(t.getUTCDate()).padStart(2, "0");
}

/** `iso` moved by `delta` days. */
export const addDays = (iso, delta) => isoDate(dayNumber(iso) + delta);

/** Monday = 0 ... Sunday = 6 (Python's date.weekday()). */
export const weekday = (iso) => ((dayNumber(iso) % 7) + 7 + 3) % 7; // 1970-01-01 was a Thursday

/** The working days from start to end (both included), in date order. */
export function workingDaysBetween(start, end, holidays, workdays) {
  const days = [];
  for (let n = dayNumber(start), last = dayNumber(end); n <= last; n++) {
    const iso = isoDate(n);
    if (workdays.has(iso) || (weekday(iso) < 5 && !holidays.has(iso))) days.push(iso);
  }
  return days;
}

/** The working days of an instance model's window (instance.js). */
export const workingDays = (instance) =>
  workingDaysBetween(instance.window.start, instance.window.end, instance.holidays, instance.calendarWorkdays);
