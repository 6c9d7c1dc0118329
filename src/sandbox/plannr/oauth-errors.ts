// The token endpoint's refusals exactly as Laravel Passport sends them: league/oauth2-server's
// OAuthServerException payload `{error, error_description, hint?, message}` (`message` repeats the
// description: league 8.x keeps it for older clients, and Passport 11/12 ship league 8.x) with the
// status league gives each error type. A refresh token that is unknown, expired, revoked (already
// used: it rotates) or another client's is `invalid_grant` with status 400 and the description
// "The refresh token is invalid." (league's `invalidRefreshToken`, RFC 6749 §5.2).
import type { SandboxResponse } from "../http-server.js";

function refusal(status: number, error: string, description: string, hint?: string): SandboxResponse {
  const body: Record<string, string> = { error, error_description: description };
  if (hint !== undefined) body.hint = hint;
  body.message = description;
  return { status, body };
}

export const oauthErrors = {
  unsupportedGrantType: () =>
    refusal(400, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.", "Check that all required parameters have been provided"),
  invalidRequest: (parameter: string, hint?: string) =>
    refusal(
      400,
      "invalid_request",
      "The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.",
      hint ?? `Check the \`${parameter}\` parameter`,
    ),
  invalidClient: () => ({ ...refusal(401, "invalid_client", "Client authentication failed"), headers: { "WWW-Authenticate": 'Basic realm="OAuth"' } }),
  invalidRefreshToken: (hint: string) => refusal(400, "invalid_grant", "The refresh token is invalid.", hint),
  invalidGrant: (hint: string) =>
    refusal(
      400,
      "invalid_grant",
      "The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
      hint,
    ),
};
