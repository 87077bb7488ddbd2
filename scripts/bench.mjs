// `npm run bench`: the webhook measured against its floors, side by side in one run (issue 5).
//
//   (a) in-process: one review, parsed body -> response body string, vs JSON.parse + stringify
//   (b) over HTTP:  autocannon against the webhook and a no-op function in the same framework
//   (c) cold start: process spawn -> first successful review; module import time
//   (d) memory:     peak RSS (VmHWM) of each server over the HTTP run
//
// Prints one table, then a single JSON line of the figures. Plain JS over dist/: `npm run build`
// first (the npm script does). Timing lives here, never in the tests.
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import autocannon from "autocannon";
import { review } from "../dist/admission/review.js";
import { loadInjectorConfig } from "../dist/config/load.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const FRAMEWORK_MAIN = join(ROOT, "node_modules/@google-cloud/functions-framework/build/src/main.js");
const TOKEN = "bench-token";
const QUICK = process.env.BENCH_QUICK === "1"; // shorter runs, for trying the script itself
const HTTP_SECONDS = QUICK ? 1 : 3;
const HTTP_ROUNDS = QUICK ? 2 : 3; // A B A B A B: the median round of each server
const WARMUP_SECONDS = QUICK ? 1 : 2;
const COLD_RUNS = QUICK ? 2 : 7;
const IMPORT_RUNS = QUICK ? 2 : 7;
const INPROC_MS = QUICK ? 300 : 1500; // per function per pod, over all rounds
const INPROC_ROUNDS = 3;

// The webhook as the framework serves it: package.json's "main" (the bundled dist/function.mjs).
const MAIN = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).main;

const SERVERS = {
  webhook: {
    target: "mutatePods",
    source: join(ROOT, MAIN),
    env: { WEBHOOK_TOKENS: TOKEN },
  },
  noop: { target: "noop", source: join(ROOT, "scripts/noop-function.mjs"), env: {} },
};

// ---------------------------------------------------------------------------------------------
// Bodies: the typical KServe predictor review, and the same pod with 10 and 100 containers.

const typicalText = readFileSync(join(ROOT, "examples/predictor-raw.review.json"), "utf8");

function withContainers(count) {
  const body = JSON.parse(typicalText);
  const containers = body.request.object.spec.containers;
  const template = containers[0];
  for (let i = containers.length; i < count; i++) {
    const copy = structuredClone(template);
    copy.name = `sidecar-${i}`;
    copy.ports = [{ name: `http-${i}`, containerPort: 8080 + i, protocol: "TCP" }];
    containers.push(copy);
  }
  return JSON.stringify(body);
}

const PODS = [
  { name: "typical (1 container)", key: "typical", text: JSON.stringify(JSON.parse(typicalText)) },
  { name: "10 containers", key: "c10", text: withContainers(10) },
  { name: "100 containers", key: "c100", text: withContainers(100) },
  {
    name: "no trigger (skipped)",
    key: "skip",
    text: JSON.stringify(
      JSON.parse(readFileSync(join(ROOT, "examples/predictor-no-trigger.review.json"), "utf8")),
    ),
  },
];

// ---------------------------------------------------------------------------------------------
// (a) In-process.

let sink = 0;

/** Median µs per call of each function, sampled alternately in batches of about 0.5 ms. */
function compare(fns, budgetMs) {
  const batch = fns.map((fn) => {
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < 50) {
      sink += fn();
      n++;
    }
    return Math.max(1, Math.round(n / 100)); // ~0.5 ms per batch
  });
  const samples = fns.map(() => []);
  const end = performance.now() + budgetMs * fns.length;
  while (performance.now() < end) {
    fns.forEach((fn, i) => {
      const n = batch[i];
      const t0 = process.hrtime.bigint();
      for (let j = 0; j < n; j++) sink += fn();
      samples[i].push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    });
  }
  return samples.map(median);
}

function inProcess() {
  const config = loadInjectorConfig();
  const cases = PODS.map((pod) => {
    const body = JSON.parse(pod.text);
    const first = review(body, config);
    if (first.status !== 200) throw new Error(`${pod.name}: review answered ${first.status}`);
    return {
      pod,
      decision: first.facts.decision,
      handle: () => JSON.stringify(review(body, config).body).length,
      floor: () => JSON.stringify(JSON.parse(pod.text)).length,
      rounds: [],
    };
  });
  // Rounds over all the pods, so a burst of load from elsewhere spoils one round, not one pod;
  // each figure is the median of its rounds.
  for (let round = 0; round < INPROC_ROUNDS; round++) {
    for (const c of cases) {
      const [webhookUs, floorUs] = compare([c.handle, c.floor], INPROC_MS / INPROC_ROUNDS);
      c.rounds.push({ webhookUs, floorUs, ratio: webhookUs / floorUs });
    }
  }
  const rows = {};
  for (const c of cases) {
    rows[c.pod.key] = {
      name: c.pod.name,
      bytes: Buffer.byteLength(c.pod.text),
      decision: c.decision,
      webhookUs: median(c.rounds.map((r) => r.webhookUs)),
      floorUs: median(c.rounds.map((r) => r.floorUs)),
      ratio: median(c.rounds.map((r) => r.ratio)),
    };
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Servers.

async function freePort() {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startServer(kind, port) {
  const { target, source, env } = SERVERS[kind];
  // stdout is a pipe, as on Cloud Functions, drained here; the webhook writes one log line per
  // review to it, and the lines are counted. stderr is kept for a failure's message.
  const child = spawn(process.execPath, [FRAMEWORK_MAIN, `--target=${target}`, `--source=${source}`], {
    cwd: ROOT,
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.log = [];
  child.stdout.on("data", (chunk) => child.log.push(chunk));
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  // "close", not "exit": by then every log line has been read from the pipe.
  child.exited = new Promise((resolve) => child.on("close", resolve));
  child.stderrText = () => stderr;
  return child;
}

async function stopServer(child) {
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await child.exited;
}

// The same request to both servers, token included: the no-op ignores it, but the framework
// parses the same headers for both.
function headers(_kind) {
  return { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };
}

function post(port, kind, body) {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, method: "POST", path: "/", headers: headers(kind), agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function waitReady(child, port, kind, body, started) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${kind} exited: ${child.stderrText()}`);
    try {
      const res = await post(port, kind, body);
      if (res.status === 200) return { ms: performance.now() - started, res };
      throw new Error(`${kind} answered ${res.status}: ${res.text}`);
    } catch (error) {
      if (error.code !== "ECONNREFUSED") throw error;
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}

/** CPU time of every thread of `pid` so far, in µs (/proc/<pid>/task/<tid>/schedstat). */
function cpuUs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  }
  return ns / 1000;
}

function peakRssKb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
  return { hwmKb: kb("VmHWM"), rssKb: kb("VmRSS") };
}

// ---------------------------------------------------------------------------------------------
// (b) Over HTTP, and (d) memory.

async function cannon(server, kind, body, connections, seconds) {
  const { port, child } = server;
  const latencies = [];
  const cpuBefore = cpuUs(child.pid);
  const instance = autocannon({
    url: `http://127.0.0.1:${port}/`,
    method: "POST",
    headers: headers(kind),
    body,
    connections,
    pipelining: 1,
    duration: seconds,
  });
  // autocannon's own histogram keeps whole milliseconds; keep every latency as measured.
  instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(
      `${kind}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
    );
  }
  latencies.sort((a, b) => a - b);
  return {
    requests: result.requests.total,
    cpuUsPerRequest: (cpuUs(child.pid) - cpuBefore) / result.requests.total,
    rps: result.requests.total / result.duration,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
  };
}

async function overHttp() {
  const body = PODS[0].text;
  const kinds = ["webhook", "noop"];
  const servers = {};
  for (const kind of kinds) {
    const port = await freePort();
    const child = startServer(kind, port);
    const ready = await waitReady(child, port, kind, body, performance.now());
    servers[kind] = { port, child, idle: peakRssKb(child.pid), sample: JSON.parse(ready.res.text) };
  }
  const patched = servers.webhook.sample.response?.patchType === "JSONPatch";
  if (!patched)
    throw new Error(`the webhook did not patch the typical pod: ${JSON.stringify(servers.webhook.sample)}`);

  for (const kind of kinds) {
    servers[kind].warmupRequests = (await cannon(servers[kind], kind, body, 16, WARMUP_SECONDS)).requests;
  }
  const runs = { 1: { webhook: [], noop: [] }, 16: { webhook: [], noop: [] } };
  for (const connections of [1, 16]) {
    for (let round = 0; round < HTTP_ROUNDS; round++) {
      for (const kind of kinds) {
        runs[connections][kind].push(await cannon(servers[kind], kind, body, connections, HTTP_SECONDS));
      }
    }
  }
  // One log line per review, none lost: the ready probe, the warm-up and the runs, plus at most
  // the requests each run left in flight when it stopped (answered, but not counted by autocannon).
  const answered =
    1 +
    servers.webhook.warmupRequests +
    sum(
      Object.values(runs).flatMap((r) => r.webhook),
      "requests",
    );
  const inFlight = 16 + HTTP_ROUNDS * (1 + 16);
  const memory = {};
  for (const kind of kinds) {
    memory[kind] = { ...peakRssKb(servers[kind].child.pid), idleRssKb: servers[kind].idle.rssKb };
    await stopServer(servers[kind].child);
  }
  const lines = Buffer.concat(servers.webhook.child.log).toString("utf8").trim().split("\n");
  if (lines.length < answered || lines.length > answered + inFlight) {
    throw new Error(`the webhook logged ${lines.length} lines for ${answered} reviews`);
  }
  // The handler's own time for each review, as its log line reports it (`durationMs`): from the
  // request handed over by the framework to the response written, the socket write included.
  // In the JSON line only: that write is the framework's cost as much as ours.
  const handlerUs = lines.map((line) => JSON.parse(line).durationMs * 1000);
  const mid = (list, field) => median(list.map((run) => run[field]));
  const http = {};
  for (const connections of [1, 16]) {
    const row = {};
    for (const kind of kinds) {
      const list = runs[connections][kind];
      row[kind] = {
        rps: mid(list, "rps"),
        p50: mid(list, "p50"),
        p99: mid(list, "p99"),
        cpuUsPerRequest: mid(list, "cpuUsPerRequest"),
        runs: list,
      };
    }
    row.rpsRatio = row.webhook.rps / row.noop.rps;
    row.p50Ratio = row.webhook.p50 / row.noop.p50;
    row.p99Ratio = row.webhook.p99 / row.noop.p99;
    row.cpuRatio = row.webhook.cpuUsPerRequest / row.noop.cpuUsPerRequest;
    http[`c${connections}`] = row;
  }
  http.handlerUs = {
    p50: median(handlerUs),
    p99: quantile(
      handlerUs.sort((a, b) => a - b),
      0.99,
    ),
  };
  return { http, memory };
}

// ---------------------------------------------------------------------------------------------
// (c) Cold start, and the import of each module in a fresh process.

async function coldStart() {
  const body = PODS[0].text;
  const times = { webhook: [], noop: [] };
  for (let run = 0; run < COLD_RUNS; run++) {
    for (const kind of ["webhook", "noop"]) {
      const port = await freePort();
      const started = performance.now();
      const child = startServer(kind, port);
      const { ms } = await waitReady(child, port, kind, body, started);
      times[kind].push(ms);
      await stopServer(child);
    }
  }
  const webhook = median(times.webhook);
  const noop = median(times.noop);
  return { webhookMs: webhook, noopMs: noop, ratio: webhook / noop, runs: times };
}

function importMs(specifier, env) {
  const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); process.stderr.write("IMPORT_MS " + (performance.now() - t) + "\\n");`;
  const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: "production" },
    encoding: "utf8",
  });
  const match = /IMPORT_MS ([\d.]+)/.exec(out.stderr);
  if (!match) throw new Error(`import of ${specifier} failed: ${out.stderr}`);
  return Number(match[1]);
}

function importTimes() {
  const modules = {
    webhook: [pathToFileURL(SERVERS.webhook.source).href, SERVERS.webhook.env],
    noop: [pathToFileURL(SERVERS.noop.source).href, {}],
    framework: ["@google-cloud/functions-framework", {}],
  };
  const times = Object.fromEntries(Object.keys(modules).map((key) => [key, []]));
  for (let run = 0; run < IMPORT_RUNS; run++) {
    for (const [key, [specifier, env]] of Object.entries(modules)) times[key].push(importMs(specifier, env));
  }
  return Object.fromEntries(Object.entries(times).map(([key, list]) => [key, median(list)]));
}

// ---------------------------------------------------------------------------------------------
// Report.

function sum(list, field) {
  return list.reduce((total, item) => total + item[field], 0);
}

function median(values) {
  return quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}

function quantile(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : "-");
const x = (value) => `${fmt(value, 2)}x`;
const verdict = (ok) => (ok ? "met" : "MISSED");

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i] ?? "").length)));
  const line = (row) => `| ${row.map((cell, i) => String(cell ?? "").padEnd(widths[i])).join(" | ")} |`;
  return [
    line(rows[0]),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
  ].join("\n");
}

async function main() {
  const benchStarted = performance.now();
  const machine = {
    nproc: cpus().length,
    cpu: /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? cpus()[0]?.model,
    node: process.version,
    // Other processes share these cores; the load average says how much, before and after.
    loadavg: [loadavg()[0]],
  };
  const inproc = inProcess();
  const { http, memory } = await overHttp();
  const cold = await coldStart();
  const imports = importTimes();
  machine.loadavg.push(loadavg()[0]);

  const growth = (inproc.c100.webhookUs - inproc.c10.webhookUs) / (inproc.c100.bytes - inproc.c10.bytes);
  const targets = {
    inProcessTypical: inproc.typical.ratio <= 1.0,
    inProcess100: inproc.c100.ratio <= 1.0,
    httpThroughput: http.c1.rpsRatio >= 0.9 && http.c16.rpsRatio >= 0.9,
    httpP99: http.c1.p99Ratio <= 1.2 && http.c16.p99Ratio <= 1.2,
    coldStart: cold.ratio <= 1.2,
    peakRss: memory.webhook.hwmKb / memory.noop.hwmKb <= 1.2,
  };

  const rows = [["figure", "webhook", "floor / no-op", "ratio", "target", "verdict"]];
  for (const key of ["typical", "c10", "c100", "skip"]) {
    const r = inproc[key];
    const target = key === "typical" || key === "c100" ? "<= 1.0x" : "";
    const met =
      key === "typical" ? targets.inProcessTypical : key === "c100" ? targets.inProcess100 : undefined;
    rows.push([
      `in-process ${r.name}, ${fmt(r.bytes / 1024)} KB, ${r.decision} (µs)`,
      fmt(r.webhookUs, 2),
      fmt(r.floorUs, 2),
      x(r.ratio),
      target,
      met === undefined ? "" : verdict(met),
    ]);
  }
  rows.push([
    "in-process growth, 10 -> 100 containers (µs per KB)",
    fmt(growth * 1024, 2),
    fmt(((inproc.c100.floorUs - inproc.c10.floorUs) / (inproc.c100.bytes - inproc.c10.bytes)) * 1024, 2),
    "",
    "linear",
    "",
  ]);
  for (const c of ["c1", "c16"]) {
    const r = http[c];
    const n = c.slice(1);
    rows.push([
      `HTTP c=${n} throughput (req/s, median of ${HTTP_ROUNDS} runs)`,
      fmt(r.webhook.rps, 0),
      fmt(r.noop.rps, 0),
      x(r.rpsRatio),
      ">= 0.9x",
      verdict(r.rpsRatio >= 0.9),
    ]);
    rows.push([`HTTP c=${n} p50 (ms)`, fmt(r.webhook.p50, 3), fmt(r.noop.p50, 3), x(r.p50Ratio), "", ""]);
    rows.push([
      `HTTP c=${n} server CPU per request (µs, all threads)`,
      fmt(r.webhook.cpuUsPerRequest, 0),
      fmt(r.noop.cpuUsPerRequest, 0),
      x(r.cpuRatio),
      "",
      "",
    ]);
    rows.push([
      `HTTP c=${n} p99 (ms)`,
      fmt(r.webhook.p99, 3),
      fmt(r.noop.p99, 3),
      x(r.p99Ratio),
      "<= 1.2x",
      verdict(r.p99Ratio <= 1.2),
    ]);
  }
  rows.push([
    `cold start, spawn -> first 200 (ms, median of ${COLD_RUNS})`,
    fmt(cold.webhookMs),
    fmt(cold.noopMs),
    x(cold.ratio),
    "<= 1.2x",
    verdict(targets.coldStart),
  ]);
  rows.push([
    `import in a fresh node (ms, median of ${IMPORT_RUNS}; framework alone ${fmt(imports.framework)})`,
    fmt(imports.webhook),
    fmt(imports.noop),
    x(imports.webhook / imports.noop),
    "",
    "",
  ]);
  rows.push([
    "peak RSS over the HTTP run (MiB, VmHWM)",
    fmt(memory.webhook.hwmKb / 1024),
    fmt(memory.noop.hwmKb / 1024),
    x(memory.webhook.hwmKb / memory.noop.hwmKb),
    "<= 1.2x",
    verdict(targets.peakRss),
  ]);
  rows.push([
    "RSS after start, idle (MiB)",
    fmt(memory.webhook.idleRssKb / 1024),
    fmt(memory.noop.idleRssKb / 1024),
    x(memory.webhook.idleRssKb / memory.noop.idleRssKb),
    "",
    "",
  ]);

  const seconds = (performance.now() - benchStarted) / 1000;
  console.log(
    `kserve-agent-webhook bench: ${machine.nproc} x ${machine.cpu}, node ${machine.node}, ` +
      `load average ${machine.loadavg.map((n) => fmt(n, 2)).join(" -> ")}`,
  );
  console.log(table(rows));
  // Every measured call's result went into `sink`, so none of them could be optimized away.
  if (sink === 0) throw new Error("the in-process functions returned nothing");
  console.log(`(${fmt(seconds)} s)`);
  const round = (value) => (typeof value === "number" ? Math.round(value * 1000) / 1000 : value);
  console.log(
    JSON.stringify(
      { machine, inProcess: inproc, http, coldStart: cold, import: imports, memory, targets, seconds },
      (_key, value) => round(value),
    ),
  );
}

await main();
