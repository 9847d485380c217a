// The in-browser verifier's Web Worker (a module worker, started by page.js).
//
// Message in: {urls: {instance, outcome, register}} (register may be null).
// Messages out, in order:
//   {type: "progress", stage, fraction}   downloads ("download:instance", ...) then the verifier's stages
//   {type: "report", report, seconds}      verify.js's report (see verify.js)
//   {type: "error", message}               a download or the verifier itself failed
//
// The documents are downloaded by the worker, so the page stays responsive
// while a city-sized instance (hundreds of MB) is read and checked. The
// verifier (verify.js, an independent implementation of docs/draw-protocol.md)
// is loaded with a dynamic import, so that a missing or broken module is
// reported as such instead of killing the worker silently.

async function download(url, stage) {
  const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get("Content-Length")) || 0;
  const chunks = [];
  if (!response.body || !total) {
    chunks.push(new Uint8Array(await response.arrayBuffer())); // no length known: no intermediate progress
  } else {
    const reader = response.body.getReader();
    let received = 0;
    let last = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      received += value.length;
      const fraction = Math.min(1, received / total);
      if (fraction - last >= 0.01) {
        last = fraction;
        self.postMessage({ type: "progress", stage, fraction });
      }
    }
  }
  self.postMessage({ type: "progress", stage, fraction: 1 });
  const decode = stage.replace("download:", "decode:");
  self.postMessage({ type: "progress", stage: decode, fraction: 0 });
  const blob = new Blob(chunks);
  chunks.length = 0;
  let text = await blob.text(); // replaces invalid UTF-8 by U+FFFD ...
  if (text.includes("\uFFFD")) {
    // ... so a file with U+FFFD is decoded again, strictly: one that is not UTF-8 is unreadable, not repaired.
    text = new TextDecoder("utf-8", { fatal: true }).decode(await blob.arrayBuffer());
  }
  self.postMessage({ type: "progress", stage: decode, fraction: 1 });
  return text;
}

export async function run(urls, post = (m) => self.postMessage(m)) {
  const started = performance.now();
  const [instanceText, outcomeText, registerText] = await Promise.all([
    download(urls.instance, "download:instance"),
    download(urls.outcome, "download:outcome"),
    urls.register ? download(urls.register, "download:register") : Promise.resolve(null),
  ]);
  const { verify } = await import("./verify.js");
  const report = await verify({ instanceText, outcomeText, registerText },
    { progress: (stage, fraction) => post({ type: "progress", stage, fraction }) });
  post({ type: "report", report, seconds: (performance.now() - started) / 1000 });
}

self.onmessage = (event) => {
  run(event.data.urls).catch((error) => {
    self.postMessage({ type: "error", message: String(error && error.message ? error.message : error) });
  });
};
