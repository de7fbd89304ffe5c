import { truncate } from './limits.ts';
import type { ModalView } from './port.ts';

/** A plain_text object. */
export const plain = (text: string) => ({ type: 'plain_text' as const, text });

/** A modal's title, submit or close text: Slack allows 24 characters. */
export const short = (text: string) => plain(truncate(text, 24));

/** Everything of a modal but its blocks: callback, the three button texts and the metadata (JSON). */
export function modalFrame(
  callbackId: string,
  texts: { title: string; submit: string; close: string },
  meta: unknown,
): Omit<ModalView, 'blocks'> {
  return {
    type: 'modal',
    callback_id: callbackId,
    title: short(texts.title),
    submit: short(texts.submit),
    close: short(texts.close),
    private_metadata: JSON.stringify(meta),
  };
}
