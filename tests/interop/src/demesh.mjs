// Starting demesh (`demesh serve`) and running its admin CLI.

import { spawn, execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A running `demesh serve` on its own loopback port, plus its CLI.
 * Every id demesh makes starts with `baseUrl`.
 */
export class Demesh {
  constructor({ bin, databaseUrl, port, innerPort, logPath }) {
    this.bin = bin;
    this.databaseUrl = databaseUrl;
    this.port = port;
    this.host = `127.0.0.1:${port}`;
    // With a TLS front (run.sh provides the certificate), the public URL is
    // https on `port` and demesh itself listens on plain http `innerPort`,
    // as behind Caddy in production.
    this.tls = innerPort != null;
    this.innerHost = this.tls ? `127.0.0.1:${innerPort}` : this.host;
    this.baseUrl = `${this.tls ? "https" : "http"}://${this.host}`;
    this.logPath = logPath;
    this.log = "";
    this.child = null;
    this.env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DEMESH_BASE_URL: this.baseUrl,
      DEMESH_LISTEN: this.innerHost,
      DEMESH_ALLOW_PRIVATE_NETWORKS: "true",
    };
    delete this.env.DEMESH_CONFIG;
  }

  /** Starts the server and resolves once it logs that it is listening. */
  static async start({ bin, databaseUrl, logPath, timeoutMs = 60_000 }) {
    const port = await freePort();
    const tls = process.env.DEMESH_INTEROP_TLS_CERT && process.env.DEMESH_INTEROP_TLS_KEY;
    const innerPort = tls ? await freePort() : null;
    const d = new Demesh({ bin, databaseUrl, port, innerPort, logPath });
    await d.#spawn(timeoutMs);
    if (tls) d.#startTlsFront(innerPort);
    return d;
  }

  /** https on `port`, forwarded (Host kept) to demesh's http port. */
  #startTlsFront(innerPort) {
    const options = {
      cert: readFileSync(process.env.DEMESH_INTEROP_TLS_CERT),
      key: readFileSync(process.env.DEMESH_INTEROP_TLS_KEY),
    };
    const front = https.createServer(options, (req, res) => {
      const upstream = http.request(
        { host: "127.0.0.1", port: innerPort, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode, up.headers);
          up.pipe(res);
        },
      );
      upstream.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      req.pipe(upstream);
    });
    front.listen(this.port, "127.0.0.1");
    front.unref();
  }

  #spawn(timeoutMs) {
    const env = { ...this.env, RUST_LOG: process.env.RUST_LOG ?? "info" };
    const child = spawn(this.bin, ["serve"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    // However node ends (even on an uncaught error, e.g. EPIPE when the
    // output is piped to `head`), do not leave the server running.
    process.once("exit", () => {
      if (!this.exited) child.kill("SIGKILL");
    });
    const file = this.logPath ? createWriteStream(this.logPath) : null;
    const ready = `listening on http://${this.innerHost}`;
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (err) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        err ? reject(err) : resolve();
      };
      const onData = (chunk) => {
        const text = chunk.toString();
        this.log += text;
        file?.write(text);
        if (this.log.includes(ready)) finish();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      child.on("error", (e) => finish(new Error(`cannot run ${this.bin}: ${e.message}`)));
      child.on("exit", (code, signal) => {
        this.exited = { code, signal };
        file?.end();
        finish(
          new Error(
            `demesh serve exited (code ${code}, signal ${signal}) before listening:\n${this.tail()}`,
          ),
        );
      });
      const timer = setTimeout(
        () => finish(new Error(`demesh serve did not log "${ready}" within ${timeoutMs} ms:\n${this.tail()}`)),
        timeoutMs,
      );
    });
  }

  /** The last lines of the server log (for failure messages). */
  tail(lines = 30) {
    return this.log.trimEnd().split("\n").slice(-lines).join("\n");
  }

  /** Stops the server (SIGTERM, then SIGKILL after 5 s). */
  async stop() {
    const child = this.child;
    if (!child || this.exited) return;
    const gone = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await gone;
    clearTimeout(timer);
  }

  /** Runs `demesh ARGS…` with the server's configuration; resolves stdout. */
  cli(...args) {
    return new Promise((resolve, reject) => {
      execFile(
        this.bin,
        args,
        { env: this.env, timeout: 30_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          if (err) {
            reject(
              new Error(
                `demesh ${args.join(" ")} failed (exit ${err.code ?? err.signal}): ${stderr.trim() || err.message}`,
              ),
            );
          } else {
            resolve(stdout);
          }
        },
      );
    });
  }

  /** Runs a CLI command with `--json` and parses its output. */
  async cliJson(...args) {
    const out = await this.cli(...args, "--json");
    try {
      return JSON.parse(out);
    } catch (e) {
      throw new Error(`demesh ${args.join(" ")} --json printed non-JSON: ${out.slice(0, 500)}`);
    }
  }

  groupUrl(name) {
    return `${this.baseUrl}/groups/${name}`;
  }
}
