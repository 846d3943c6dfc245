import type { BaseOptions, SASLMechanismValue } from '@platformatic/kafka';
import type { KafkaConnectionOptions, SaslMechanism } from './kafka-spec.ts';

const SASL_MECHANISMS: Record<SaslMechanism, SASLMechanismValue> = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
};

/**
 * The @platformatic/kafka client options (producer, admin and consumer alike) for the given
 * connection options. Retries inside the client are few on purpose: the shipper retries whole
 * batches itself from the journal (duplicates, never loss), and a one-shot reader should fail
 * with the reason rather than hang.
 */
export function kafkaClientOptions(options: KafkaConnectionOptions, clientIdSuffix = ''): BaseOptions {
  const base: BaseOptions = {
    clientId: options.clientId + clientIdSuffix,
    bootstrapBrokers: options.brokers,
    connectTimeout: 3000,
    // per request on the wire, and the broker-side timeout of a produce (acks=all)
    requestTimeout: options.requestTimeoutMs,
    timeout: options.requestTimeoutMs,
    retries: 3,
    retryDelay: 250,
  };
  if (options.ssl === true) base.tls = {};
  else if (options.ssl) {
    const { ca, cert, key, rejectUnauthorized, servername } = options.ssl;
    base.tls = { ca, cert, key, rejectUnauthorized, servername };
  }
  if (options.sasl !== undefined) {
    const { mechanism, username, password } = options.sasl;
    base.sasl = { mechanism: SASL_MECHANISMS[mechanism], username, password };
  }
  return base;
}

/**
 * One line for a client error. The client wraps retried failures in an AggregateError whose own
 * message only counts attempts ("produce failed 4 times."): the last cause says what went wrong.
 * Broker errors carry no credentials; the client's options are never part of the text.
 */
export function kafkaErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof AggregateError && error.errors.length > 0) {
    return `${error.message} last: ${kafkaErrorText(error.errors[error.errors.length - 1])}`;
  }
  return error.message;
}
