/** The message of anything thrown: JavaScript code may throw strings and plain objects, not only Errors. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
