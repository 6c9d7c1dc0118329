// Files and folders case-sync makes on disk hold clients' personal data (the state: e-mails, case
// titles with client names, custom field values) or describe both CRMs (the mapping), so they are
// the user's alone: folders 0700, files 0600 (issue 9 item 1). The mode is set when the file is
// created, before anything is written into it, and again with chmod because the umask may have
// taken bits away. SQLite makes its `-wal` and `-shm` files with the database file's mode, so a
// state file created here keeps those private too.
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync, statSync, writeSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** The folder case-sync makes for itself (`./.case-sync/`, and `.case-sync/demo/` below it). */
export const OWN_FOLDER_NAME = ".case-sync";

/** Makes `path` and any missing parents 0700; a folder that exists already is left as it is. */
export function makePrivateDir(path: string): void {
  const first = mkdirSync(path, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  // The umask applies to mkdir's mode; every folder made here gets exactly 0700.
  const top = resolve(first);
  const target = resolve(path);
  let current = top;
  chmodSync(current, PRIVATE_DIR_MODE);
  for (const part of relative(top, target).split(sep).filter((p) => p !== "")) {
    current = resolve(current, part);
    chmodSync(current, PRIVATE_DIR_MODE);
  }
}

/**
 * Creates `path` empty with mode 0600 if it does not exist (O_EXCL: never through someone's
 * symlink); returns whether it made the file. An existing file is left untouched.
 */
export function createPrivateFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Writes a file the tool makes itself (a mapping, a saved plan, an export) readable and writable
 * by its owner only. The whole content is ours, so an existing file is narrowed to 0600 as well.
 * Its folder must exist (as with writeFileSync): a folder named on the command line is the user's.
 */
export function writePrivateFile(path: string, text: string): void {
  const fd = openSync(path, "w", PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    const bytes = Buffer.from(text, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  } finally {
    closeSync(fd);
  }
}

/** Group or other permission bits, which a private file or folder must not have. */
export function isExposedMode(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

/** A path as a shell word, so the suggested command can be pasted as it is. */
export function shellWord(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, "'\\''")}'`;
}

function modeOf(path: string): number | null {
  try {
    return statSync(path).mode & 0o777;
  } catch {
    return null;
  }
}

/**
 * What a person should be told about an existing SQLite state file whose folder or files other
 * users of the machine can read: one warning per problem, naming the paths and the command that
 * fixes it. Files created by case-sync since issue 9 never trigger it. The folder is judged only
 * when it is case-sync's own (`.case-sync`): a state file placed in a project folder does not make
 * that folder's usual 0755 a problem.
 */
export function exposedStateWarnings(statePath: string): string[] {
  const warnings: string[] = [];
  const files = [statePath, `${statePath}-wal`, `${statePath}-shm`].filter((file) => {
    const mode = modeOf(file);
    return mode !== null && isExposedMode(mode);
  });
  if (files.length > 0) {
    const mode = (modeOf(files[0] ?? statePath) ?? 0).toString(8);
    warnings.push(
      `state file ${files.join(", ")} can be read by other users of this machine (mode ${mode}) and holds clients' personal data: run \`chmod 600 ${files.map(shellWord).join(" ")}\``,
    );
  }
  const folder = dirname(resolve(statePath));
  const folderMode = modeOf(folder);
  if (folderMode !== null && isExposedMode(folderMode) && folder.split(sep).includes(OWN_FOLDER_NAME)) {
    warnings.push(`state folder ${folder} can be read by other users of this machine (mode ${folderMode.toString(8)}): run \`chmod 700 ${shellWord(folder)}\``);
  }
  return warnings;
}
