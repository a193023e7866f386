// The owner's account pages that other parts of Keyturn link to (apps get them in API answers).

/** Where an owner confirms asking the maker again for one clearance (an app's `resolution_url`). */
export const requestAgainPath = (clearanceId: string) =>
  `/account/access/${encodeURIComponent(clearanceId)}/request-again`;
