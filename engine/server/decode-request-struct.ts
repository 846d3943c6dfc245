import type { JsonObject } from '../model/index.ts';
import { DEFAULT_STRUCT_LIMITS, structToJson, StructJsonError, type StructLimits } from '../../proto/struct-json.ts';
import type { Struct__Output } from '../../proto/generated/google/protobuf/Struct.ts';
import { InvalidRequestError } from '../decision/index.ts';

/**
 * A request's Struct field decoded by the shared codec (proto/struct-json.ts); the codec's
 * refusal becomes the InvalidRequestError (INVALID_ARGUMENT) naming the offending path.
 */
export function decodeRequestStruct(
  struct: Struct__Output | null | undefined,
  field: string,
  limits: StructLimits = DEFAULT_STRUCT_LIMITS,
): JsonObject {
  try {
    return structToJson(struct, field, limits);
  } catch (error) {
    if (error instanceof StructJsonError) throw new InvalidRequestError(error.field, error.problem);
    throw error;
  }
}
