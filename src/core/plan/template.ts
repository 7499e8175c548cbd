/**
 * The only templates a plan has: `{{from}}` and `{{to}}`, replaced by the run's regions. Exact spelling only (no
 * spaces inside the braces), the same spelling the CRD's patterns accept for region fields, so a field that validates
 * at admission binds the same way here.
 */
import type { Binding } from "./steps.js";

const template = /\{\{(from|to)\}\}/g;

export function bindText(text: string, binding: Binding): string {
  // A replacer function, not a replacement string: a "$" in a region name must not be read as a pattern.
  return text.replace(template, (_match, name: string) => (name === "from" ? binding.from : binding.to));
}
