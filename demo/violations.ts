/**
 * Records every 'securitypolicyviolation' the gallery sees on `window.cspViolations` (one line each: directive, blocked
 * URI, source location) and logs it to the console. The gallery is served with the strict policy of ./csp/policy.ts;
 * test/demo/demo.e2e.mjs expects the list to stay empty.
 */
declare global {
  interface Window {
    cspViolations?: string[];
  }
}

/**
 * Starts recording. main.ts calls it first thing: its imports are evaluated before it (a module graph evaluates in
 * one go), but the element renders and the page works only after, in later tasks and microtasks. (A side-effect
 * import would not do: package.json marks every module but define.ts free of side effects, so the bundler drops it.)
 */
export function recordViolations(): void {
  const seen: string[] = (window.cspViolations = []);
  document.addEventListener('securitypolicyviolation', (e) => {
    const line = `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`;
    seen.push(line);
    console.warn(`Content-Security-Policy violation: ${line}`);
  });
}
