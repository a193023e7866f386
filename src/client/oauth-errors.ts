// openid-client's errors of an authorization or token response, turned into the client's AuthorizationError.
import * as oauth from 'openid-client';
import { AuthorizationError } from './errors.ts';

export async function asAuthorizationError<T>(attempt: Promise<T>): Promise<T> {
  try {
    return await attempt;
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError || error instanceof oauth.ResponseBodyError)
      throw new AuthorizationError(error.error, error.error_description, { cause: error });
    throw error;
  }
}
