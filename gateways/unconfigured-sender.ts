/**
 * Stands in when no SMS/email provider is configured in production: every
 * send fails (and is audited as code_send_failed) rather than printing a live
 * code to a log, which is what the dev console would do.
 */
import type { MessageSender } from './message-sender.js';

export class NoProviderError extends Error {
  constructor(channel: string) {
    super(`no ${channel} provider is configured`);
    this.name = 'NoProviderError';
  }
}

export const unconfiguredSender: MessageSender = {
  name: 'unconfigured',
  async send(message) {
    throw new NoProviderError(message.channel);
  },
};
