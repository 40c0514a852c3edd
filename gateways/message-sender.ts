/** The one interface every outbound channel (dev console, Africa's Talking, Twilio, SES) implements. */
export type MessageChannel = 'sms' | 'email';

export interface OutboundMessage {
  /** E.164 phone number or email address. */
  to: string;
  channel: MessageChannel;
  subject?: string;
  body: string;
}

export interface SendResult {
  provider: string;
  providerMessageId?: string;
}

export interface MessageSender {
  readonly name: string;
  send(message: OutboundMessage): Promise<SendResult>;
}
