// `npm run load`: the real function under load (issue 4, "Under load").
//
// Starts the function as Cloud Functions runs it (the framework's main.js, --target=mutatePods,
// WEBHOOK_TOKENS set), listening on 127.0.0.1 only, and drives it with autocannon: 64 connections
// for LOAD_SECONDS (default 20), each cycling through a mix of pods that get patched, pods that do
// not, a pod that is refused, and bad requests (wrong token, GET, wrong content type, not an
// AdmissionReview). Reports requests, non-2xx answers to good requests (must be 0), bad requests
// answered otherwise than expected (must be 0), errors and timeouts (must be 0), latency
// percentiles, and the server's resident memory at start, during and at the end. Exits non-zero
// when any of the "must be 0" is not. Plain JS over dist/: `npm run build` first (the npm script
// does).
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import autocannon from "autocannon";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FRAMEWORK_MAIN = join(ROOT, "node_modules/@google-cloud/functions-framework/build/src/main.js");
const HOST = "127.0.0.1";
const TOKEN = "load-token-current";
const NEXT_TOKEN = "load-token-next";
const CONNECTIONS = 64;
const SECONDS = Number(process.env.LOAD_SECONDS ?? 20);
const WARMUP_SECONDS = 2;

// The framework's main.js calls `server.listen(port)`, which binds every interface. This preload
// pins it to the loopback address: load is only ever sent to this machine.
const LOOPBACK_ONLY = `data:text/javascript,${encodeURIComponent(`
import http from "node:http";
const listen = http.Server.prototype.listen;
http.Server.prototype.listen = function (port, ...rest) {
  if (typeof port !== "number" && typeof port !== "string") return listen.call(this, port, ...rest);
  return listen.call(this, Number(port), ${JSON.stringify(HOST)}, ...rest.filter((a) => typeof a === "function"));
};`)}`;

const example = (name) => JSON.parse(readFileSync(join(ROOT, `examples/${name}.review.json`), "utf8"));

/** A request that the API server would send: it must get a 2xx. */
function good(name, review, token = TOKEN) {
  const uid = review.request.uid;
  return {
    kind: "good",
    name,
    method: "POST",
    path: "/?timeout=10s",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(review),
    check: (status, body) => status >= 200 && status < 300 && body.includes(uid),
  };
}

/** A request the function must refuse cheaply, with `expected`. */
function bad(name, expected, request) {
  return {
    kind: "bad",
    name,
    method: "POST",
    path: "/",
    headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
    ...request,
    check: (status) => status === expected,
  };
}

const raw = example("predictor-raw");
const serverless = example("predictor-serverless");
const MIX = [
  good("patched raw", raw),
  good("patched serverless", serverless),
  good("unpatched (no trigger)", example("predictor-no-trigger")),
  good("patched raw, rotated token", raw, NEXT_TOKEN),
  good("patched serverless", serverless),
  good("refused (allowed: false)", example("predictor-agent-no-modeldir")),
  good("patched raw", raw),
  good("unpatched (UPDATE)", { ...raw, request: { ...raw.request, operation: "UPDATE" } }),
  bad("wrong token", 401, {
    headers: { "content-type": "application/json", authorization: "Bearer nope" },
    body: JSON.stringify(raw),
  }),
  bad("GET", 405, { method: "GET" }),
  bad("text/plain", 415, {
    headers: { "content-type": "text/plain", authorization: `Bearer ${TOKEN}` },
    body: "hello",
  }),
  bad("not an AdmissionReview", 400, { body: JSON.stringify({ apiVersion: "v1", kind: "Pod" }) }),
];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, HOST, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib("VmRSS") / 1024, peakMiB: kib("VmHWM") / 1024 };
}

async function post(url, request) {
  const res = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  return { status: res.status, body: await res.text() };
}

async function waitUntilServing(url, child) {
  const probe = good("probe", example("predictor-no-trigger"));
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`the function exited with ${child.exitCode}`);
    try {
      if ((await post(url, probe)).status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(50);
  }
  throw new Error("the function did not start within 10 s");
}

function run(url, seconds, requests) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: CONNECTIONS, duration: seconds, timeout: 10, requests },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

const mib = (n) => `${n.toFixed(1)} MiB`;

async function main() {
  const port = await freePort();
  const url = `http://${HOST}:${port}`;
  const child = spawn(
    process.execPath,
    ["--import", LOOPBACK_ONLY, FRAMEWORK_MAIN, "--target=mutatePods", `--source=${ROOT}`],
    {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PORT: String(port), WEBHOOK_TOKENS: `${TOKEN},${NEXT_TOKEN}` },
      // One JSON log line per request: written, as in production, but not kept.
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const failures = [];
  try {
    await waitUntilServing(url, child);
    const atStart = memory(child.pid);

    // Before the load: a body that is not JSON text gets the framework's plain 400, no stack.
    const notJson = await post(url, { ...MIX[0], body: "{not json" });
    if (notJson.status !== 400 || /SyntaxError|node_modules|\n\s+at /.test(notJson.body)) {
      failures.push(
        `a body that is not JSON: ${notJson.status} ${JSON.stringify(notJson.body.slice(0, 200))}`,
      );
    }

    await run(
      url,
      WARMUP_SECONDS,
      MIX.map(({ method, path, headers, body }) => ({ method, path, headers, body })),
    );
    const afterWarmup = memory(child.pid);

    const counts = MIX.map(() => ({ sent: 0, unexpected: 0, statuses: {} }));
    const requests = MIX.map((request, i) => ({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
      onResponse: (status, body) => {
        const count = counts[i];
        count.sent++;
        count.statuses[status] = (count.statuses[status] ?? 0) + 1;
        if (!request.check(status, body)) count.unexpected++;
      },
    }));
    const samples = [];
    const sampler = setInterval(() => samples.push(memory(child.pid).rssMiB), 1000);
    const result = await run(url, SECONDS, requests);
    clearInterval(sampler);
    const atEnd = memory(child.pid);

    const goodNon2xx = MIX.reduce((n, r, i) => n + (r.kind === "good" ? counts[i].unexpected : 0), 0);
    const badUnexpected = MIX.reduce((n, r, i) => n + (r.kind === "bad" ? counts[i].unexpected : 0), 0);
    const goodSent = MIX.reduce((n, r, i) => n + (r.kind === "good" ? counts[i].sent : 0), 0);
    const { latency } = result;

    console.log(`\nkserve-agent-webhook under load: ${CONNECTIONS} connections for ${SECONDS} s on ${HOST}`);
    console.log(
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${mib(totalmem() / 2 ** 20)}, node ${process.version}`,
    );
    console.log("\nrequest                             sent   answers");
    MIX.forEach((r, i) => {
      const statuses = Object.entries(counts[i].statuses)
        .map(([s, n]) => `${s}x${n}`)
        .join(" ");
      console.log(`  ${`${r.kind} ${r.name}`.padEnd(34)}${String(counts[i].sent).padStart(7)}   ${statuses}`);
    });
    console.log(
      `\nrequests:                    ${result.requests.total} (${Math.round(result.requests.average)}/s)`,
    );
    console.log(`good requests:               ${goodSent}`);
    console.log(`non-2xx to good requests:    ${goodNon2xx}`);
    console.log(`bad requests answered wrong: ${badUnexpected}`);
    console.log(`errors:                      ${result.errors} (timeouts ${result.timeouts})`);
    console.log(
      `latency ms:                  p50 ${latency.p50}  p90 ${latency.p90}  p99 ${latency.p99}  p99.9 ${latency.p99_9}  max ${latency.max}`,
    );
    console.log(
      `server RSS:                  start ${mib(atStart.rssMiB)}, after warm-up ${mib(afterWarmup.rssMiB)}, ` +
        `during ${mib(Math.min(...samples))}..${mib(Math.max(...samples))}, end ${mib(atEnd.rssMiB)} (peak ${mib(atEnd.peakMiB)})`,
    );
    console.log(
      JSON.stringify({
        connections: CONNECTIONS,
        seconds: SECONDS,
        requests: result.requests.total,
        goodRequests: goodSent,
        goodNon2xx,
        badUnexpected,
        errors: result.errors,
        timeouts: result.timeouts,
        latencyMs: { p50: latency.p50, p90: latency.p90, p99: latency.p99, max: latency.max },
        rssMiB: {
          start: +atStart.rssMiB.toFixed(1),
          afterWarmup: +afterWarmup.rssMiB.toFixed(1),
          end: +atEnd.rssMiB.toFixed(1),
          peak: +atEnd.peakMiB.toFixed(1),
          perSecond: samples.map((n) => Math.round(n)),
        },
      }),
    );
    if (goodNon2xx > 0) failures.push(`${goodNon2xx} good requests got a non-2xx answer`);
    if (badUnexpected > 0) failures.push(`${badUnexpected} bad requests got an unexpected answer`);
    if (result.errors > 0 || result.timeouts > 0) {
      failures.push(`${result.errors} errors, ${result.timeouts} timeouts`);
    }
    if (child.exitCode !== null) failures.push(`the function exited with ${child.exitCode}`);
  } finally {
    child.kill("SIGTERM");
  }
  if (failures.length > 0) {
    console.error(`\nFAILED:\n  ${failures.join("\n  ")}`);
    if (stderr) console.error(`\nthe function's stderr (last lines):\n${stderr}`);
    process.exitCode = 1;
  }
}

await main();
