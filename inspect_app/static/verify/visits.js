// Visits (docs/draw-protocol.md, section 6): each distinct drawn USCC is one
// visit with the ids of the tasks that drew it (document order), the sorted
// union of their departments, and an id V00001… in ascending (u(e), USCC),
// u(e) the coordinated number H64("entity:" + USCC) under either policy.

import { compareCodePoints } from "./canonical.js";
import { h64All } from "./sampling.js";

export const visitId = (n) => "V" + String(n).padStart(5, "0");

/** [{id, uscc, tasks, departments, priority: [hi, lo]}] in id order. */
export function mergeSamples(instance, samples, hmac, coordinated = null) {
  const taskIds = new Map(), order = [];
  for (const task of instance.tasks) {
    for (const uscc of samples[task.id]) {
      if (!taskIds.has(uscc)) { taskIds.set(uscc, []); order.push(uscc); }
      taskIds.get(uscc).push(task);
    }
  }
  let priority;
  if (coordinated) {
    const index = new Map(instance.entities.map((e, k) => [e.uscc, k]));
    priority = (uscc, j) => [coordinated.hi[index.get(uscc)], coordinated.lo[index.get(uscc)]];
  } else {
    const u = h64All(hmac, order.map((uscc) => "entity:" + uscc));
    priority = (uscc, j) => [u.hi[j], u.lo[j]];
  }
  const visits = order.map((uscc, j) => {
    const tasks = taskIds.get(uscc);
    const departments = [...new Set(tasks.flatMap((t) => t.departments))].sort(compareCodePoints);
    return { uscc, tasks: tasks.map((t) => t.id), departments, priority: priority(uscc, j) };
  });
  visits.sort((a, b) => a.priority[0] - b.priority[0] || a.priority[1] - b.priority[1] ||
    (a.uscc < b.uscc ? -1 : a.uscc > b.uscc ? 1 : 0));
  visits.forEach((v, n) => { v.id = visitId(n + 1); });
  return visits;
}
