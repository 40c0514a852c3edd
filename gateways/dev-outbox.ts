/**
 * The development sink: keeps every outbound message in memory (served at
 * GET /dev/messages) and, when asked, prints it to the console so a developer
 * sees the OTP. Never wired in production: messages hold live codes.
 */
import { randomUUID } from 'node:crypto';
import type { MessageSender, OutboundMessage } from './message-sender.js';

export interface DevMessage extends OutboundMessage {
  sentAt: string;
}

const MAX_KEPT = 500;

export function createDevOutbox({ print }: { print: boolean }) {
  const messages: DevMessage[] = [];
  const sender: MessageSender = {
    name: 'dev-console',
    async send(message) {
      messages.push({ ...message, sentAt: new Date().toISOString() });
      if (messages.length > MAX_KEPT) messages.shift();
      if (print) process.stdout.write(`\n[dev ${message.channel} → ${message.to}] ${message.body}\n\n`);
      return { provider: 'dev-console', providerMessageId: `dev-${randomUUID()}` };
    },
  };
  return {
    sender,
    /** Oldest first. */
    list: (): readonly DevMessage[] => messages,
  };
}

export type DevOutbox = ReturnType<typeof createDevOutbox>;
