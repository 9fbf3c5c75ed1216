// A throw-away PostgreSQL server for tests: initdb into a fresh temporary directory, start it on
// 127.0.0.1 with a random free port and password (SCRAM) authentication, stop it and delete
// everything afterwards. The server refuses to run as root, so as root it runs as `nobody`
// (through runuser). No mocks: if the server cannot start, startPostgres throws, saying why.
import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

export interface PgServer {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** postgres://user:password@host:port/database, or without the password. */
  url(options?: { password?: string | null; scheme?: string }): string;
  /** Run SQL as the superuser on a short-lived connection. */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  stop(): Promise<void>;
}

/** The directory holding initdb and pg_ctl: Debian's /usr/lib/postgresql/N/bin (newest), else PATH. */
export function findPostgresBin(): string {
  const base = "/usr/lib/postgresql";
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, "bin", "pg_ctl"))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(base, versions[0], "bin");
  }
  try {
    return execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
  } catch (error) {
    throw new Error(`PostgreSQL server binaries not found (no /usr/lib/postgresql/*/bin/pg_ctl, no pg_config): install Debian's postgresql package (.ci/run does): ${(error as Error).message}`);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface Cluster {
  bin: string;
  dir: string;
  data: string;
  port: number;
  user: string;
  password: string;
}

function runAs(bin: string, command: string, args: string[]): string {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ["runuser", ["-u", "nobody", "--", join(bin, command), ...args]] : [join(bin, command), args];
  return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** initdb a cluster into `dir` (created if missing) and start it; throws saying why it could not. */
async function startCluster(dir: string): Promise<Cluster> {
  const bin = findPostgresBin();
  mkdirSync(dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => runAs(bin, command, args);
  const password = `pw-${Math.random().toString(36).slice(2)}-Secret`;
  const user = "adtrace";
  writeFileSync(join(dir, "pwfile"), `${password}\n`);
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" }));
    const gid = Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" }));
    chownSync(dir, uid, gid);
    chownSync(join(dir, "pwfile"), uid, gid);
  }
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  const fail = (step: string, error: unknown): never => {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    const tail = existsSync(log) ? readFileSync(log, "utf8").split("\n").slice(-15).join("\n") : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot start a test PostgreSQL server (${step}${asRoot ? ", as user nobody" : ""}): ${(error as Error).message}\n${stderr}\n${tail}`);
  };
  try {
    run("initdb", ["-D", data, "-U", user, `--pwfile=${join(dir, "pwfile")}`, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync", "--locale=C"]);
  } catch (error) {
    fail("initdb", error);
  }
  let port = 0;
  for (let attempt = 0; ; attempt++) {
    port = await freePort();
    try {
      run("pg_ctl", ["-D", data, "-l", log, "-w", "-t", "60", "start", "-o",
        `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`]);
      break;
    } catch (error) {
      // Another process may have taken the port between freePort and the server's bind.
      if (attempt >= 2) fail("pg_ctl start", error);
    }
  }
  return { bin, dir, data, port, user, password };
}

function stopCluster(cluster: Pick<Cluster, "bin" | "data" | "dir">): void {
  try {
    runAs(cluster.bin, "pg_ctl", ["-D", cluster.data, "-m", "immediate", "-w", "stop"]);
  } finally {
    rmSync(cluster.dir, { recursive: true, force: true });
  }
}

function serverOn(cluster: Cluster, database: string, stop: () => Promise<void>): PgServer {
  const host = "127.0.0.1";
  const { port, user, password } = cluster;
  return {
    host, port, user, password, database,
    url(options = {}) {
      const pw = options.password === undefined ? password : options.password;
      return `${options.scheme ?? "postgres"}://${user}${pw === null ? "" : `:${encodeURIComponent(pw)}`}@${host}:${port}/${database}`;
    },
    async query(sql, params) {
      const client = new pg.Client({ host, port, user, password, database });
      await client.connect();
      try {
        return await client.query(sql, params);
      } finally {
        await client.end();
      }
    },
    stop,
  };
}

/** A server of its own (its database `postgres`), stopped and deleted by stop(). */
export async function startPostgres(): Promise<PgServer> {
  const cluster = await startCluster(mkdtempSync(join(tmpdir(), "adtrace-pg-")));
  return serverOn(cluster, "postgres", async () => stopCluster(cluster));
}

// One server per test run (issue 25: PostgreSQL's initdb and start cost seconds of CPU each, and
// three files need a server). The first file to ask starts it under the run's own directory
// (test/setup/build.ts sets ADTRACE_TEST_RUN_DIR), the others wait for it; each file gets a fresh
// database of its own, so files share no tables. The global teardown stops it (stopSharedPostgres).
const SHARED = "shared-postgres";

/**
 * A database of its own on the run's shared server (a server of its own when the run has no
 * directory, as outside vitest's global setup). stop() drops the database; the server stays.
 */
export async function postgresDatabase(): Promise<PgServer> {
  const runDir = process.env.ADTRACE_TEST_RUN_DIR;
  if (!runDir) return startPostgres();
  const dir = join(runDir, SHARED);
  const ready = join(runDir, `${SHARED}.json`);
  const failed = join(runDir, `${SHARED}.error`);
  let cluster: Cluster;
  try {
    mkdirSync(join(runDir, `${SHARED}.lock`));
    try {
      cluster = await startCluster(dir);
    } catch (error) {
      writeFileSync(failed, (error as Error).message);
      throw error;
    }
    writeFileSync(`${ready}.tmp`, JSON.stringify(cluster));
    renameSync(`${ready}.tmp`, ready);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another file is starting it: wait (initdb on a busy machine can take a minute).
    for (let waited = 0; !existsSync(ready); waited += 100) {
      if (existsSync(failed)) throw new Error(readFileSync(failed, "utf8"));
      if (waited > 170_000) throw new Error(`the shared test PostgreSQL server did not start within ${waited / 1000}s (${dir})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    cluster = JSON.parse(readFileSync(ready, "utf8")) as Cluster;
  }
  const database = `t_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = serverOn(cluster, "postgres", async () => {});
  await admin.query(`CREATE DATABASE ${database}`);
  return serverOn(cluster, database, async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
}

/** Stop the run's shared server, if a file started one (the global teardown calls this). */
export function stopSharedPostgres(runDir: string): void {
  const ready = join(runDir, `${SHARED}.json`);
  if (existsSync(ready)) stopCluster(JSON.parse(readFileSync(ready, "utf8")) as Cluster);
}
