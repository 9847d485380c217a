// A minimal working-day helper for the tests of rules.js, schedule.js and
// stats.js until the core's workdays.js lands (docs/draw-protocol.md section 4):
// a date of the window is a working day if listed in calendar.workdays, or if
// it is Monday to Friday and not listed in calendar.holidays.

export function windowWorkdays(instance) {
  const cal = instance.calendar || {};
  const holidays = new Set(cal.holidays || []);
  const extra = new Set(cal.workdays || []);
  const out = [];
  const [y0, m0, d0] = instance.window.start.split("-").map(Number);
  const end = instance.window.end;
  for (let t = Date.UTC(y0, m0 - 1, d0); ; t += 86400000) {
    const day = new Date(t).toISOString().slice(0, 10);
    if (day > end) break;
    const weekday = new Date(t).getUTCDay(); // 0 = Sunday
    if (extra.has(day) || (weekday >= 1 && weekday <= 5 && !holidays.has(day))) out.push(day);
  }
  return out;
}
