/**
 * DescribeCluster: this listener as the cluster's one broker and its controller (each listener answers for
 * itself: listeners share no membership, see docs/KAFKA.md). Asking a broker for controllers (v1 endpoint type
 * 2) is MISMATCHED_ENDPOINT_TYPE, as a Kafka broker answers. No authorized operations are reported.
 */
import { AdminError } from "../admin-errors.js";
import { DescribeCluster } from "../protocol/messages/describe-cluster.js";
import type { Handler } from "./types.js";

const BROKERS = 1;

export const describeCluster: Handler = {
  spec: DescribeCluster,
  async handle(ctx, req) {
    const broker = ctx.broker();
    const endpointType = (req.endpointType as number | undefined) ?? BROKERS;
    if (endpointType !== BROKERS) {
      return {
        throttleTimeMs: 0,
        errorCode: AdminError.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: "this is a broker endpoint: it lists brokers, not controllers",
        endpointType,
        clusterId: ctx.clusterId,
        controllerId: -1,
        brokers: [],
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: AdminError.NONE,
      errorMessage: null,
      endpointType: BROKERS,
      clusterId: ctx.clusterId,
      controllerId: broker.nodeId,
      brokers: [{ brokerId: broker.nodeId, host: broker.host, port: broker.port, rack: null }],
    };
  },
};
