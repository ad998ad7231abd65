/**
 * Dropping and restoring shaka-player variants by key status (EME 5.2.1 MediaKeyStatus): a variant whose video or
 * audio needs a key that is 'output-restricted' or 'internal-error' cannot be presented, so playback moves to a
 * variant whose keys are usable and the restricted one comes back when its keys do.
 *
 * shaka does this itself when its own DrmEngine owns EME (Player#onKeyStatus_ sets Variant.allowedByKeySystem). Here
 * the EME controller owns EME and shaka's DrmEngine sees no key status, so the same flag is set from outside:
 * `allowedByKeySystem` is a member of the extern type shaka.extern.Variant (its name survives compilation), and
 * Player#configure re-runs shaka's restriction handling (ManifestFilterer, the ABR manager's variant list, and a
 * switch away from an active variant that is no longer allowed).
 */

/** shaka.extern.Stream, the part used here: `keyIds` holds lowercase hex KIDs (manifest default_KID, or tenc's). */
export interface RestrictableStream {
  id: number;
  keyIds: Set<string>;
}

/** shaka.extern.Variant, the part used here. */
export interface RestrictableVariant {
  id: number;
  bandwidth: number;
  video: RestrictableStream | null;
  audio: RestrictableStream | null;
  allowedByApplication: boolean;
  allowedByKeySystem: boolean;
}

/** The player, the part used here (shaka.Player#getManifest and #configure). */
export interface RestrictablePlayer {
  getManifest(): { variants: RestrictableVariant[] } | null;
  configure(config: Record<string, unknown>): boolean;
}

/**
 * The KIDs (lowercase hex) a variant needs: each stream's `keyIds` from the manifest (DASH cenc:default_KID, HLS
 * keys), or, for a stream whose manifest named none (shaka's `keyIds` is empty with `ignoreDrmInfo` for some
 * manifests), the default KIDs of the init segment seen for that stream (`initKids`, by shaka stream id).
 * A stream known to neither needs no key as far as anyone can tell, and restricts nothing.
 */
export function variantKeyIds(
  variant: RestrictableVariant,
  initKids: ReadonlyMap<number, readonly string[]> = new Map(),
): Set<string> {
  const kids = new Set<string>();
  for (const stream of [variant.video, variant.audio]) {
    if (!stream) continue;
    const known = stream.keyIds.size ? stream.keyIds : (initKids.get(stream.id) ?? []);
    for (const kid of known) kids.add(kid.toLowerCase());
  }
  return kids;
}

/** Which variants restricted KIDs rule out, and whether any variant the application allows is left. */
export function restrictedVariants(
  variants: readonly RestrictableVariant[],
  restricted: ReadonlySet<string>,
  initKids?: ReadonlyMap<number, readonly string[]>,
): { blocked: Set<RestrictableVariant>; playableLeft: boolean } {
  const blocked = new Set<RestrictableVariant>();
  for (const v of variants) {
    for (const kid of variantKeyIds(v, initKids)) {
      if (restricted.has(kid)) {
        blocked.add(v);
        break;
      }
    }
  }
  const playableLeft = variants.some((v) => v.allowedByApplication && !blocked.has(v));
  return { blocked, playableLeft };
}

/** One variant as the streaming layer sees it (see StreamingSession#variants). */
export interface VariantInfo {
  /** shaka's variant id. */
  id: number;
  /** Declared bandwidth (bits per second), video and audio together. */
  bandwidth: number;
  /** The KIDs (lowercase hex) the variant needs, as variantKeyIds() maps them. */
  keyIds: string[];
  /** Dropped because one of those keys is restricted. */
  dropped: boolean;
}

/** What one `apply` changed: shaka variant ids dropped and restored, and whether any variant is playable. */
export interface RestrictionChange {
  dropped: number[];
  restored: number[];
  playable: boolean;
}

/**
 * Keeps one player's variants in line with the restricted KIDs. It only ever clears `allowedByKeySystem` on variants
 * it restricted itself and only sets back what it cleared. When the restricted KIDs rule out every variant, nothing
 * is dropped (shaka would stop with RESTRICTIONS_CANNOT_BE_MET, 4012, and never come back): `playable` is false and
 * the caller reports it; the content then waits for a usable key, as a media element does (EME 7.3.4).
 */
export class VariantRestrictor {
  readonly #player: RestrictablePlayer;
  readonly #initKids: ReadonlyMap<number, readonly string[]>;
  readonly #dropped = new Set<RestrictableVariant>();
  #restricted = new Set<string>();
  /** Whether the player has the manifest (start() ran). */
  #started = false;
  /**
   * Whether shaka's load() has resolved (enforce() ran). Until then a change only sets the variants' flags: shaka's
   * own first choice reads them, and a configure() made while load() is still starting the streaming engine re-enters
   * it half set up (seen once in Firefox: a TypeError from inside shaka that failed the load).
   */
  #loaded = false;
  /** A variant was restored before load() resolved: shaka's ABR list learns it at enforce(). */
  #restoredBeforeLoad = false;
  /**
   * Asked for only once a key is restricted (or `variants` is read): shaka's getManifest() logs a console warning,
   * which content that never restricts a key should not cause. The same object for the whole load.
   */
  #manifest: { variants: RestrictableVariant[] } | null = null;

  #manifestNow(): { variants: RestrictableVariant[] } | null {
    if (this.#started) this.#manifest ??= this.#player.getManifest();
    return this.#manifest;
  }

  constructor(player: RestrictablePlayer, initKids: ReadonlyMap<number, readonly string[]>) {
    this.#player = player;
    this.#initKids = initKids;
  }

  /** The KIDs currently restricted (lowercase hex). */
  get restricted(): ReadonlySet<string> {
    return this.#restricted;
  }

  /** The shaka variant ids currently dropped by this restrictor. */
  get dropped(): number[] {
    return [...this.#dropped].map((v) => v.id);
  }

  /** Whether every variant with this stream (a shaka stream id) is dropped: shaka should not be streaming it. */
  isStreamDropped(streamId: number): boolean {
    if (!this.#dropped.size) return false;
    const withIt = (this.#manifest?.variants ?? []).filter((v) => v.video?.id === streamId || v.audio?.id === streamId);
    return withIt.length > 0 && withIt.every((v) => this.#dropped.has(v));
  }

  /** Every variant of the manifest with the KIDs it needs and whether it is dropped; empty before start(). */
  get variants(): VariantInfo[] {
    return (this.#manifestNow()?.variants ?? []).map((v) => ({
      id: v.id,
      bandwidth: v.bandwidth,
      keyIds: [...variantKeyIds(v, this.#initKids)].sort(),
      dropped: this.#dropped.has(v),
    }));
  }

  /**
   * shaka's player has the manifest (its 'streaming' event: before it picks the first variant, though its preload
   * step may have picked one already): variants can be restricted from now on.
   */
  start(): RestrictionChange | null {
    this.#started = true;
    return this.apply();
  }

  /**
   * Makes shaka switch away from a dropped variant it plays. A variant picked before the restriction applied (shaka's
   * preload step chooses one before the player has the manifest) is only switched away from by a configure() made
   * once it is active. Returns whether any variant is dropped.
   */
  enforce(): boolean {
    this.#loaded = true;
    if (this.#dropped.size || this.#restoredBeforeLoad) this.#player.configure({});
    return this.#dropped.size > 0;
  }

  /**
   * Sets the restricted KIDs (or, without an argument, re-applies the last ones: the manifest or a stream's init
   * KIDs became known). Returns null before start().
   */
  apply(restricted?: Iterable<string>): RestrictionChange | null {
    if (restricted) this.#restricted = new Set([...restricted].map((k) => k.toLowerCase()));
    if (!this.#started) return null;
    // Nothing restricted and nothing to restore: shaka's variants need no look.
    if (!this.#restricted.size && !this.#dropped.size) return { dropped: [], restored: [], playable: true };
    const manifest = this.#manifestNow();
    if (!manifest) return null;
    const { blocked, playableLeft } = restrictedVariants(manifest.variants, this.#restricted, this.#initKids);
    const target = playableLeft ? blocked : new Set<RestrictableVariant>();
    const change: RestrictionChange = { dropped: [], restored: [], playable: playableLeft };
    for (const v of [...this.#dropped]) {
      if (target.has(v)) continue;
      v.allowedByKeySystem = true;
      this.#dropped.delete(v);
      change.restored.push(v.id);
    }
    for (const v of target) {
      if (this.#dropped.has(v) || !v.allowedByKeySystem) continue;
      v.allowedByKeySystem = false;
      this.#dropped.add(v);
      change.dropped.push(v.id);
    }
    // An empty configure() runs shaka's applyConfig_: the ABR manager gets the playable variants, and an active
    // variant that is no longer allowed is switched away from (its buffer cleared).
    if (!this.#loaded) this.#restoredBeforeLoad ||= change.restored.length > 0;
    else if (change.dropped.length || change.restored.length) this.#player.configure({});
    return change;
  }
}
