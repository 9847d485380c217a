// Placeholder until the rules check (section 10 step 4) lands: see verify.js for ctx.
export function checkRules(ctx) {
  return { status: "not_checked", detail: "the rules of every staffed visit (eligibility, capacity, daily limits) are not implemented yet" };
}
