/** A shell-style glob (`payments-*`, `*-api`, `svc-?`) against a whole name, case-insensitive. */
export function matchesGlob(name: string, glob: string): boolean {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(name);
}
