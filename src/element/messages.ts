/**
 * Every text the element shows, in English. Pages localise by setting the `messages` property to a
 * partial object of the same shape; a named slot replaces a message with markup of the page's own.
 */
export const defaultMessages = {
  /** Shown when the manifest or its media cannot be loaded or played. */
  loadFailed: 'This video could not be loaded.',
  /** Label of the button that tries the load again. */
  retry: 'Try again',
} as const;

export type SecureVideoMessages = { [K in keyof typeof defaultMessages]: string };
