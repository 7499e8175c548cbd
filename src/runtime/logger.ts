/** JSON logs (pino) with the fields an SRE filters on: region, policy, run. */
import { pino, type Logger } from "pino";

export type { Logger };

export function createLogger(level: string, region: string): Logger {
  return pino({ level, base: { region }, timestamp: pino.stdTimeFunctions.isoTime });
}
