/**
 * Outbound email through Amazon SES (API v1, 2010-12-01), sent by
 * `@aws-sdk/client-ses`'s SendEmailCommand as in the deployment guide.
 *
 * Wire format (what the SDK sends and what we read back):
 * - AWS Query protocol: POST / with a form body `Action=SendEmail&Version=2010-12-01`
 *   followed by Source, Destination.ToAddresses.member.1, Message.Subject.Data,
 *   Message.Body.Text.Data (+ .Charset), signed with SigV4 — from code,
 *   @aws-sdk/core protocols AwsQueryProtocol (serializeRequest, content-type
 *   application/x-www-form-urlencoded).
 * - Response XML <SendEmailResponse><SendEmailResult><MessageId>…</MessageId>
 *   </SendEmailResult><ResponseMetadata><RequestId>… — sample in
 *   carbon/Amazon:src/Amazon.Ses/Models/SendEmailResponse.cs.
 * - Errors: <ErrorResponse><Error><Type>Sender</Type><Code>MessageRejected</Code>
 *   <Message>…</Message></Error><RequestId>… — the SDK reads data.Error.Code
 *   (from code, AwsQueryProtocol.loadQueryErrorCode).
 *
 * SES_ENDPOINT goes to the client's `endpoint` (the SDK's own override);
 * credentials come from the default provider chain unless given (tests).
 */
import { SESClient, SendEmailCommand, type SESClientConfig } from '@aws-sdk/client-ses';
import type { MessageSender, OutboundMessage, SendResult } from '../message-sender.js';
import {
  DEFAULT_SEND_TIMEOUT_MS,
  SendError,
  isNetworkError,
  isTimeoutError,
  maskRecipient,
  type SendFailureReason,
} from '../send-error.js';
import { withDeadline } from '../deadline.js';

export const SES_EMAIL_PROVIDER = 'ses';

export interface SesEmailConfig {
  region: string;
  /** SES_ENDPOINT: e.g. a local SES-compatible server; the regional AWS endpoint when absent. */
  endpoint?: string;
  /** EMAIL_FROM: a verified SES identity (default in config: noreply@molam.id). */
  from: string;
  /** Static credentials (tests); the default chain (env, profile, IMDS/IRSA) when absent. */
  credentials?: SESClientConfig['credentials'];
  timeoutMs?: number;
  /** SDK attempts per send (retries on 5xx/throttling inside the deadline); SDK default 3. */
  maxAttempts?: number;
}

const CONFIG_ERRORS = new Set([
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetSendingPausedException',
  'AccountSendingPausedException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'AccessDenied',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'CredentialsProviderError',
]);
const TRANSIENT_ERRORS = new Set(['Throttling', 'ThrottlingException', 'ServiceUnavailable', 'InternalFailure']);

/** SES email sender; `send` resolves with SES's MessageId or throws a SendError. */
export function createSesEmailSender(config: SesEmailConfig): MessageSender {
  if (!config.region || !config.from) throw new Error('SES email: region and from are required');
  const timeoutMs = config.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
  const client = new SESClient({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    ...(config.maxAttempts ? { maxAttempts: config.maxAttempts } : {}),
  });

  return {
    name: SES_EMAIL_PROVIDER,
    async send(message: OutboundMessage): Promise<SendResult> {
      const to = maskRecipient(message.to);
      const command = new SendEmailCommand({
        Source: config.from,
        Destination: { ToAddresses: [message.to] },
        Message: {
          // UTF-8: French subjects and bodies may carry accents.
          Subject: { Data: message.subject ?? '', Charset: 'UTF-8' },
          Body: { Text: { Data: message.body, Charset: 'UTF-8' } },
        },
      });
      try {
        const out = await withDeadline(timeoutMs, (abortSignal) => client.send(command, { abortSignal }));
        if (!out.MessageId)
          throw new SendError({
            provider: SES_EMAIL_PROVIDER,
            reason: 'transient',
            message: `SES answered without a MessageId (email to ${to})`,
          });
        return { provider: SES_EMAIL_PROVIDER, providerMessageId: out.MessageId };
      } catch (err) {
        if (err instanceof SendError) throw err;
        throw fromError(err, to, timeoutMs);
      }
    },
  };
}

function fromError(err: unknown, to: string, timeoutMs: number): SendError {
  const provider = SES_EMAIL_PROVIDER;
  if (isTimeoutError(err)) {
    return new SendError({
      provider,
      reason: 'timeout',
      message: `SES did not answer within ${timeoutMs} ms (email to ${to})`,
    });
  }
  const e = err as { name?: unknown; $fault?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const status = e?.$metadata?.httpStatusCode;
  let reason: SendFailureReason;
  if (CONFIG_ERRORS.has(name) || status === 403) reason = 'config';
  // No HTTP status: the request never got an answer (network) — worth another route.
  else if (
    TRANSIENT_ERRORS.has(name) ||
    e?.$fault === 'server' ||
    status === undefined ||
    status >= 500 ||
    isNetworkError(err)
  )
    reason = 'transient';
  else reason = 'rejected'; // MessageRejected and other client faults
  return new SendError({
    provider,
    reason,
    message: `SES refused the email to ${to}: ${name}${status ? ` (HTTP ${status})` : ''}`,
    providerCode: name,
  });
}
