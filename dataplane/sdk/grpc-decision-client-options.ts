import type * as grpc from '@grpc/grpc-js';

// How a data plane reaches the decision service. Its own file so the decision client and the
// approval waiter, which share it, do not import each other.
export interface GrpcDecisionClientOptions {
  /**
   * host:port of the decision service, or a comma-separated list of replicas: the client keeps
   * its stream on one and re-opens it on the next when it breaks (fail-over).
   */
  address: string;
  /** Channel credentials; insecure (loopback only) when absent. */
  credentials?: grpc.ChannelCredentials;
  /** Time for one decision, including retries. Past it, the answer is deny. */
  deadlineMs?: number;
}
