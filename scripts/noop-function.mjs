// The benchmark's floor over HTTP: a function in the same functions framework (Express and its
// body parsers) that does nothing but read the parsed body and answer a fixed AdmissionReview.
// `npm run bench` serves it with `--target=noop --source=scripts/noop-function.mjs`.
import { http } from "@google-cloud/functions-framework";

const HEAD = '{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":';
const TAIL = ',"allowed":true}}';

http("noop", (req, res) => {
  // The API server needs its uid back; everything else is fixed.
  const uid = req.body?.request?.uid;
  const text = `${HEAD}${JSON.stringify(typeof uid === "string" ? uid : "")}${TAIL}`;
  // Sent as the webhook sends its answers (src/http/handler.ts), so only the work differs.
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Content-Length": String(Buffer.byteLength(text)),
  });
  res.end(text);
});
