// Placeholder until the schedule recomputation (section 8) lands: see verify.js for ctx.
export function checkSchedule(ctx) {
  return { status: "not_checked", detail: "the visits' dates (section 8) are not recomputed yet" };
}
