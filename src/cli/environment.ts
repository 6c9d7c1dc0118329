// Reads the environment once (SPEC §6, `.env.example`): a `.env` file in the working directory is
// loaded first without overriding what is already set, then every variable is validated.
import { existsSync } from "node:fs";
import { config as loadDotenv } from "dotenv";
import { EnvSchema, type Env } from "../core/config.js";
import { CaseSyncError } from "../core/errors.js";
import { registerSecret } from "../transport/redact.js";

export function readEnvironment(source: NodeJS.ProcessEnv = process.env, dotenvPath = ".env"): Env {
  if (source === process.env && existsSync(dotenvPath)) loadDotenv({ path: dotenvPath, override: false, quiet: true });
  const result = EnvSchema.safeParse(source);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new CaseSyncError("CS_CONFIG", `bad environment: ${lines.join("; ")}`, { field: String(result.error.issues[0]?.path[0] ?? "env") });
  }
  for (const secret of [result.data.PLANNR_TOKEN, result.data.ONLYOFFICE_TOKEN, result.data.ONLYOFFICE_PASSWORD]) registerSecret(secret);
  return result.data;
}

/** The variables a command needs that are missing, named so the user can set them. */
export function missingConnection(env: Env): string[] {
  const missing: string[] = [];
  if (!env.PLANNR_BASE_URL) missing.push("PLANNR_BASE_URL");
  if (!env.PLANNR_TOKEN) missing.push("PLANNR_TOKEN");
  if (!env.PLANNR_ACCOUNT_UUID) missing.push("PLANNR_ACCOUNT_UUID");
  if (!env.ONLYOFFICE_BASE_URL) missing.push("ONLYOFFICE_BASE_URL");
  if (!env.ONLYOFFICE_TOKEN && !(env.ONLYOFFICE_USERNAME && env.ONLYOFFICE_PASSWORD)) missing.push("ONLYOFFICE_TOKEN (or ONLYOFFICE_USERNAME and ONLYOFFICE_PASSWORD)");
  return missing;
}
