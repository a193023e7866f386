// The slice of a pino logger the simulator uses; pino itself fits, and tests may pass nothing.
export interface Logger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export const silentLogger: Logger = {
  info() {},
  warn() {},
  error() {},
};
