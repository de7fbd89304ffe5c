/** Block Kit limits from slack-platform.md. Anything over them is `invalid_blocks`. */
export const LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  actionId: 255,
  buttonValue: 2000,
  buttonUrl: 3000,
  blockId: 255,
  messageText: 40_000,
  /** Undocumented total (bolt-js#2509) is about 13,200; keep a margin. */
  totalBlockText: 12_000,
} as const;

/**
 * Cuts text to at most `max` characters (code points kept whole), marking the cut. Escaped mrkdwn is
 * cut whole too: no half entity (`&am…`) is left at the cut, which would show as a stray `&`.
 */
export function truncate(text: string, max: number, marker = '…'): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - marker.length));
  // Do not leave half a surrogate pair.
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return cut.replace(/&(?:a|am|amp|l|lt|g|gt)?$/, '') + marker;
}
