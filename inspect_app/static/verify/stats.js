// Placeholder until the stats and whole-document check (section 9) land: see verify.js for ctx.
export function checkStats(ctx) {
  return { status: "not_checked", detail: "stats and the whole document's members are not checked yet" };
}
