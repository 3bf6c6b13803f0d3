// Decoders for the rich-error protos the sidecar puts in the
// `grpc-status-details-bin` trailer: google.rpc.Status carrying
// google.protobuf.Any details, of which we read google.rpc.ErrorInfo and
// google.rpc.RetryInfo (google.protobuf.Duration). These messages are tiny and
// frozen, so a hand-written reader on @bufbuild/protobuf's wire primitives
// (already a runtime dependency of the generated stubs) is smaller and clearer
// than vendoring and generating the googleapis protos.
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** google.protobuf.Any */
export interface AnyMessage {
  typeUrl: string;
  value: Uint8Array;
}

/** google.rpc.Status */
export interface RpcStatus {
  code: number;
  message: string;
  details: AnyMessage[];
}

/** google.rpc.ErrorInfo */
export interface ErrorInfo {
  reason: string;
  domain: string;
  metadata: Record<string, string>;
}

/** google.rpc.RetryInfo, with retry_delay flattened to milliseconds. */
export interface RetryInfo {
  /** undefined when the server sent RetryInfo without a retry_delay. */
  retryDelayMs: number | undefined;
}

export const ERROR_INFO_TYPE = "google.rpc.ErrorInfo";
export const RETRY_INFO_TYPE = "google.rpc.RetryInfo";

/** Calls `field` for each field of a message; unknown fields are skipped. */
function forEachField(
  bytes: Uint8Array,
  field: (reader: BinaryReader, fieldNo: number, wireType: WireType) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (!field(reader, fieldNo, wireType)) {
      reader.skip(wireType, fieldNo);
    }
  }
}

function decodeAny(bytes: Uint8Array): AnyMessage {
  const any: AnyMessage = { typeUrl: "", value: new Uint8Array(0) };
  forEachField(bytes, (r, no, wt) => {
    if (no === 1 && wt === WireType.LengthDelimited) {
      any.typeUrl = r.string();
    } else if (no === 2 && wt === WireType.LengthDelimited) {
      any.value = r.bytes();
    } else {
      return false;
    }
    return true;
  });
  return any;
}

/** Decodes a serialized google.rpc.Status. Throws on malformed input. */
export function decodeRpcStatus(bytes: Uint8Array): RpcStatus {
  const status: RpcStatus = { code: 0, message: "", details: [] };
  forEachField(bytes, (r, no, wt) => {
    if (no === 1 && wt === WireType.Varint) {
      status.code = r.int32();
    } else if (no === 2 && wt === WireType.LengthDelimited) {
      status.message = r.string();
    } else if (no === 3 && wt === WireType.LengthDelimited) {
      status.details.push(decodeAny(r.bytes()));
    } else {
      return false;
    }
    return true;
  });
  return status;
}

/** Decodes a serialized google.rpc.ErrorInfo. Throws on malformed input. */
export function decodeErrorInfo(bytes: Uint8Array): ErrorInfo {
  const info: ErrorInfo = { reason: "", domain: "", metadata: {} };
  forEachField(bytes, (r, no, wt) => {
    if (no === 1 && wt === WireType.LengthDelimited) {
      info.reason = r.string();
    } else if (no === 2 && wt === WireType.LengthDelimited) {
      info.domain = r.string();
    } else if (no === 3 && wt === WireType.LengthDelimited) {
      // map<string, string> entry: key = 1, value = 2.
      let key = "";
      let value = "";
      forEachField(r.bytes(), (er, eno, ewt) => {
        if (eno === 1 && ewt === WireType.LengthDelimited) {
          key = er.string();
        } else if (eno === 2 && ewt === WireType.LengthDelimited) {
          value = er.string();
        } else {
          return false;
        }
        return true;
      });
      info.metadata[key] = value;
    } else {
      return false;
    }
    return true;
  });
  return info;
}

/** Decodes a serialized google.protobuf.Duration into milliseconds. */
function decodeDurationMs(bytes: Uint8Array): number {
  let seconds = 0;
  let nanos = 0;
  forEachField(bytes, (r, no, wt) => {
    if (no === 1 && wt === WireType.Varint) {
      seconds = Number(r.int64());
    } else if (no === 2 && wt === WireType.Varint) {
      nanos = r.int32();
    } else {
      return false;
    }
    return true;
  });
  return seconds * 1000 + nanos / 1e6;
}

/** Decodes a serialized google.rpc.RetryInfo. Throws on malformed input. */
export function decodeRetryInfo(bytes: Uint8Array): RetryInfo {
  const info: RetryInfo = { retryDelayMs: undefined };
  forEachField(bytes, (r, no, wt) => {
    if (no === 1 && wt === WireType.LengthDelimited) {
      info.retryDelayMs = decodeDurationMs(r.bytes());
    } else {
      return false;
    }
    return true;
  });
  return info;
}

/** The message name of an Any's type URL ("type.googleapis.com/x.Y" -> "x.Y"). */
export function anyTypeName(any: AnyMessage): string {
  return any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
}
