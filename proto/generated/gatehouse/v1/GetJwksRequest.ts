// Original file: gatehouse/v1/token.proto


/**
 * No fields.
 */
export interface GetJwksRequest {
}

/**
 * No fields.
 */
export interface GetJwksRequest__Output {
}
