/**
 * The slice of shaka-player's API this library uses, typed by hand: the typings shaka ships are generated
 * by clutz and declare `Player` as `any`. Kept minimal on purpose; extend it when a new member is used.
 */
import type { RestrictableVariant } from './variant-restrictions.js';

/** shaka.util.Error, as thrown by Player#load and dispatched in 'error' events. */
export interface ShakaError extends Error {
  readonly severity: number;
  readonly category: number;
  readonly code: number;
  readonly data: unknown[];
}

export interface ShakaRequest {
  uris: string[];
  method: string;
  body: ArrayBuffer | ArrayBufferView | null;
  headers: Record<string, string>;
}

export interface ShakaResponse {
  uri: string;
  originalUri: string;
  data: ArrayBuffer | ArrayBufferView;
  headers: Record<string, string>;
  fromCache?: boolean;
}

/** shaka.extern.RequestContext: `type` is a shaka.net.NetworkingEngine.AdvancedRequestType. */
export interface ShakaRequestContext {
  type?: number;
  stream?: { id: number; mimeType?: string; codecs?: string; type?: string } | null;
  segment?: unknown;
}

export type ShakaResponseFilter = (
  type: number,
  response: ShakaResponse,
  context?: ShakaRequestContext,
) => void | Promise<void>;

export type ShakaRequestFilter = (
  type: number,
  request: ShakaRequest,
  context?: ShakaRequestContext,
) => void | Promise<void>;

export interface ShakaNetworkingEngine {
  registerRequestFilter(filter: ShakaRequestFilter): void;
  registerResponseFilter(filter: ShakaResponseFilter): void;
  unregisterResponseFilter(filter: ShakaResponseFilter): void;
}

export interface ShakaPlayer extends EventTarget {
  attach(media: HTMLMediaElement, initializeMediaSource?: boolean): Promise<void>;
  load(uri: string, startTime?: number | null, mimeType?: string): Promise<void>;
  unload(initializeMediaSource?: boolean): Promise<void>;
  destroy(): Promise<void>;
  configure(config: Record<string, unknown>): boolean;
  getConfiguration(): unknown;
  getNetworkingEngine(): ShakaNetworkingEngine | null;
  getMediaElement(): HTMLMediaElement | null;
  /** Restarts streaming after a streaming failure (after `delaySeconds`); false when not streaming. */
  retryStreaming(delaySeconds?: number): boolean;
  getVariantTracks(): Array<{ id: number; active: boolean; bandwidth: number; originalVideoId: string | null }>;
  /** shaka.extern.Manifest once parsed (during load), else null. */
  getManifest(): { variants: RestrictableVariant[] } | null;
}

export interface ShakaNamespace {
  Player: {
    new (): ShakaPlayer;
    isBrowserSupported(): boolean;
    readonly version: string;
  };
  polyfill: { installAll(): void };
  net: {
    NetworkingEngine: {
      RequestType: Readonly<Record<string, number>>;
      AdvancedRequestType: Readonly<Record<string, number>>;
    };
  };
  util: {
    Error: {
      new (severity: number, category: number, code: number, ...data: unknown[]): ShakaError;
      Severity: Readonly<Record<string, number>>;
      Category: Readonly<Record<string, number>>;
      Code: Readonly<Record<string, number>>;
    };
  };
}

export function isShakaError(e: unknown): e is ShakaError {
  return typeof e === 'object' && e !== null && typeof (e as ShakaError).code === 'number' && 'category' in e;
}
