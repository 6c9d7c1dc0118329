// The errors the simulated portal raises, as ASC.Api maps .NET exceptions to HTTP: ArgumentException
// → 400, ItemNotFoundException → 404, SecurityException → 403, anything else → 500 (reference:
// "Envelope and errors"). The route layer turns a SimError into the error envelope.

/** .NET HRESULTs of the exceptions behind each status, as the real `error.hresult` carries them. */
const HRESULT: Record<number, number> = {
  400: -2147024809, // System.ArgumentException
  403: -2146233078, // System.Security.SecurityException
  404: -2146233088, // ASC.Api.Exceptions.ItemNotFoundException (plain System.Exception)
  500: -2146233088, // System.Exception / NullReferenceException / MySqlException
};

/** ArgumentException's default message, which is what the portal prints for a bad argument. */
export const BAD_ARGUMENT = "Value does not fall within the expected range.";

export class SimError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 500,
    message: string,
  ) {
    super(message);
    this.name = "SimError";
  }

  get hresult(): number {
    return HRESULT[this.status] ?? -2146233088;
  }
}

export const badArgument = (message = BAD_ARGUMENT): SimError => new SimError(400, message);
export const notFound = (): SimError => new SimError(404, "Not found");
export const accessDenied = (): SimError => new SimError(403, "Access Denied");
export const serverError = (message: string): SimError => new SimError(500, message);
