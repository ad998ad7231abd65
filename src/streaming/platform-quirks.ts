/**
 * WebKit drops a SourceBuffer's initialization segment on abort() (seen in WebKitGTK 2.50): media segments
 * appended after it are accepted and silently discarded, so nothing buffers. shaka aborts before every
 * timestampOffset change: right after the first init segment with HLS, and on seeks. MSE's abort() runs
 * "reset parser state", which keeps the first-initialization-segment-received flag (W3C MSE 3.5.3
 * "Reset Parser State"), so other engines keep the init. The workaround, appending each media segment
 * with its init segment in front, is valid MSE everywhere (an append may hold an init segment followed by a
 * media segment, 3.5.6 "Segment Parser Loop") and only costs an init's bytes per segment.
 */
export function losesInitSegmentOnAbort(userAgent: string = navigator.userAgent): boolean {
  return /AppleWebKit\//.test(userAgent) && !/(Chrome|Chromium|CriOS|Edg|Firefox|FxiOS)\//.test(userAgent);
}
