// The two messages of the standard gRPC health service
// (grpc.health.v1.Health/Check), encoded by hand: one string field in, one
// enum field out.
import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

export const HEALTH_CHECK_METHOD = "/grpc.health.v1.Health/Check";

/** grpc.health.v1.HealthCheckResponse.ServingStatus */
export enum ServingStatus {
  UNKNOWN = 0,
  SERVING = 1,
  NOT_SERVING = 2,
  SERVICE_UNKNOWN = 3,
}

/** grpc.health.v1.HealthCheckRequest */
export interface HealthCheckRequest {
  service: string;
}

/** grpc.health.v1.HealthCheckResponse */
export interface HealthCheckResponse {
  status: ServingStatus;
}

export function encodeHealthCheckRequest(req: HealthCheckRequest): Buffer {
  const w = new BinaryWriter();
  if (req.service !== "") {
    w.tag(1, WireType.LengthDelimited).string(req.service);
  }
  return Buffer.from(w.finish());
}

export function decodeHealthCheckResponse(bytes: Uint8Array): HealthCheckResponse {
  const r = new BinaryReader(bytes);
  const res: HealthCheckResponse = { status: ServingStatus.UNKNOWN };
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no === 1 && wt === WireType.Varint) {
      res.status = r.int32();
    } else {
      r.skip(wt, no);
    }
  }
  return res;
}
