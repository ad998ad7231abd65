/**
 * Every global member the polyfill changes goes through here, so uninstall can put back the exact property
 * descriptor each one had (or delete a member that did not exist).
 */
interface Patch {
  target: object;
  key: PropertyKey;
  original: PropertyDescriptor | undefined;
  /** Puts the member back when restoring `original` would not do (see interceptMethod). */
  restore?: () => void;
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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any method signature
export type Method = (this: any, ...args: any[]) => unknown;

/**
 * Puts a method in front of an own member of `target` (a platform object such as `navigator`) that stays in front
 * when other code assigns the member later. Polyfills of players wrap EME entry points by plain assignment, and
 * some reassign them again on their first call (shaka-player's installAll() does both, for
 * navigator.requestMediaKeySystemAccess and navigator.mediaCapabilities.decodingInfo): with a data property, the
 * first assignment after install would shadow or drop the polyfill's method, the platform's would answer, and in
 * which order a page installed the two would decide which CDM plays. So the member becomes an accessor: reading it
 * gives the front method; assigning it changes only what stands behind the front.
 *
 * `front(behind)` makes the method; `behind()` gives what it should call for what it does not handle itself (the
 * member as it was, or whatever was assigned since; undefined when there is nothing). A function assigned there
 * that calls back the front method it read earlier (as a wrapper installed after this one does) reaches, on that
 * nested synchronous call, the member of target's prototype, so the chain ends instead of looping.
 */
export function interceptMethod<M extends Method>(
  target: object,
  key: PropertyKey,
  front: (behind: () => M | undefined) => M,
): void {
  const own = Object.getOwnPropertyDescriptor(target, key);
  const inherited = descriptorOf(Object.getPrototypeOf(target) as object | null, key)?.value as M | undefined;
  const current = descriptorOf(target, key);
  const initial = (current?.get ? current.get.call(target) : current?.value) as M | undefined;
  let behind = initial;
  let depth = 0;
  const through = (fn: M): M =>
    function (this: unknown, ...args: unknown[]) {
      depth++;
      try {
        return fn.apply(this, args);
      } finally {
        depth--;
      }
    } as M;
  const method = front(() => {
    const fn = depth > 0 ? inherited : behind;
    return typeof fn === 'function' ? through(fn) : undefined;
  });
  applied.push({
    target,
    key,
    original: own,
    restore: () => {
      // Assigned since install: what was assigned last is the member now, as it would be without the polyfill.
      if (behind === initial) restoreDescriptor(target, key, own);
      else if (!own && behind === inherited) restoreDescriptor(target, key, undefined);
      else Object.defineProperty(target, key, { value: behind, writable: true, configurable: true, enumerable: true });
    },
  });
  Object.defineProperty(target, key, {
    configurable: true,
    enumerable: own?.enumerable ?? true,
    get: () => method,
    set(value: unknown) {
      // Putting back the front method read earlier means "what was there before me": the platform's.
      behind = (value === method ? inherited : value) as M | undefined;
    },
  });
}

function restoreDescriptor(target: object, key: PropertyKey, original: PropertyDescriptor | undefined): void {
  if (original) Object.defineProperty(target, key, original);
  else delete (target as Record<PropertyKey, unknown>)[key];
}

/** Restores every patched member, last patch first. */
export function restoreAll(): void {
  while (applied.length) {
    const p = applied.pop()!;
    if (p.restore) p.restore();
    else restoreDescriptor(p.target, p.key, p.original);
  }
}
