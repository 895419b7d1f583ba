import type { NotificationEvent, NotificationKind } from '@bot/config';

/** One thing the bot did, as every webhook kind is told it: the generic JSON body is exactly this. */
export interface Notification {
  readonly event: NotificationEvent;
  /** ISO 8601 UTC wall time of the record it comes from. */
  readonly time: string;
  /** One line a person reads on a phone. */
  readonly text: string;
  /** The figures behind the text, for machines (the generic JSON kind only). */
  readonly data: Readonly<Record<string, unknown>>;
}

/** The longest text each service accepts (Telegram's sendMessage 4096, Discord's content 2000, Slack 40 000). */
export const TEXT_LIMITS: Readonly<Record<Exclude<NotificationKind, 'json'>, number>> = {
  telegram: 4096,
  discord: 2000,
  slack: 40_000,
};

const ELLIPSIS = '…';

/** `text` cut to at most `limit` UTF-16 units (the services count characters), marked with an ellipsis. */
export function truncate(text: string, limit: number): string {
  if (text.length <= limit) return text;
  let cut = limit - ELLIPSIS.length;
  // Never split a surrogate pair: half an emoji is invalid text some services refuse.
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}${ELLIPSIS}`;
}

/**
 * The JSON body the webhook of `kind` accepts: generic `{event, time, text, data}`; Telegram's sendMessage
 * `{chat_id, text}` (plain text: no parse_mode, so symbols and figures need no escaping); Slack's incoming
 * webhook `{text}`; Discord's `{content}`.
 */
export function messageBody(
  kind: NotificationKind,
  notification: Notification,
  chatId?: string,
): Record<string, unknown> {
  switch (kind) {
    case 'json':
      return {
        event: notification.event,
        time: notification.time,
        text: notification.text,
        data: notification.data,
      };
    case 'telegram':
      return { chat_id: chatId, text: truncate(notification.text, TEXT_LIMITS.telegram) };
    case 'slack':
      return { text: truncate(notification.text, TEXT_LIMITS.slack) };
    case 'discord':
      return { content: truncate(notification.text, TEXT_LIMITS.discord) };
  }
}
