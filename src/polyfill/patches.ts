/**
 * Every global member the polyfill changes goes through here, so uninstall can put back the exact property
 * descriptor each one had (or delete a member that did not exist).
 */
interface Patch {
  target: object;
  key: PropertyKey;
  original: PropertyDescriptor | undefined;
}

const applied: Patch[] = [];

/** Replaces (or adds) `target[key]` with `descriptor`, remembering what was there first. */
export function patch(target: object, key: PropertyKey, descriptor: PropertyDescriptor): void {
  applied.push({ target, key, original: Object.getOwnPropertyDescriptor(target, key) });
  Object.defineProperty(target, key, { configurable: true, enumerable: true, ...descriptor });
}

/** Replaces a method, keeping the original's enumerable/writable flags. */
export function patchMethod(target: object, key: PropertyKey, value: (...args: never[]) => unknown): void {
  const original = Object.getOwnPropertyDescriptor(target, key);
  patch(target, key, {
    value,
    writable: original?.writable ?? true,
    enumerable: original?.enumerable ?? true,
  });
}

/** The original descriptor of a member, looked up the prototype chain (undefined when absent). */
export function descriptorOf(target: object | null, key: PropertyKey): PropertyDescriptor | undefined {
  for (let o = target; o; o = Object.getPrototypeOf(o) as object | null) {
    const d = Object.getOwnPropertyDescriptor(o, key);
    if (d) return d;
  }
  return undefined;
}

/** Restores every patched member, last patch first. */
export function restoreAll(): void {
  while (applied.length) {
    const p = applied.pop()!;
    if (p.original) Object.defineProperty(p.target, p.key, p.original);
    else delete (p.target as Record<PropertyKey, unknown>)[p.key];
  }
}
