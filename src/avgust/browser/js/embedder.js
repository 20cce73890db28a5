// avgust: the query embedder of the header search (multilingual-e5-small in onnxruntime-web).
// Files come from this site only and are kept in the Cache API under content-hashed URLs, the
// same entries the «Поиск по смыслу» page uses, so the model is downloaded once for both.

const CACHE = "avgust-search";
const FILES = ["tokenizer", "tokenizer_config", "wasm", "model"]; // fetched, in this order
const WARM_UP = "проверка модели";

export function fileUrl(here, file) {
  const url = new URL(file.path, here);
  url.searchParams.set("v", file.sha256.slice(0, 16));
  return url.href;
}

/** The download the model needs, in bytes. */
export const modelBytes = (files) => FILES.reduce((sum, name) => sum + files[name].bytes, 0);

async function openCache() {
  try {
    return "caches" in self ? await caches.open(CACHE) : null;
  } catch {
    return null;
  }
}

export async function isModelStored(here, files) {
  const cache = await openCache();
  if (!cache) return false;
  const found = await Promise.all(FILES.map((name) => cache.match(fileUrl(here, files[name]))));
  return found.every(Boolean);
}

async function fetchBytes(here, file, cache, onBytes) {
  const url = fileUrl(here, file);
  let response = cache ? await cache.match(url) : undefined;
  const stored = Boolean(response);
  if (!response) {
    response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
  }
  const bytes = new Uint8Array(file.bytes);
  let at = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (at + value.length > bytes.length) throw new Error("the file is larger than expected");
    bytes.set(value, at);
    at += value.length;
    onBytes(value.length);
  }
  if (at !== file.bytes) throw new Error("the download broke off");
  if (!stored && cache) await cache.put(url, new Response(bytes)).catch(() => {});
  return file.gzip ? gunzip(bytes) : bytes;
}

/** A file stored gzipped (the model) as the bytes it holds. */
async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}


/**
 * Load tokenizer, runtime and model; resolves to embed(query) → Float32Array (L2-normalised).
 * onBytes(n) is told of every downloaded piece.
 */
export async function createEmbedder(here, files, model, onBytes = () => {}) {
  const cache = await openCache();
  const [tokenizerJson, tokenizerConfig, wasm, onnx] = await Promise.all(
    FILES.map((name) => fetchBytes(here, files[name], cache, onBytes)),
  );
  const [ort, tokenizers] = await Promise.all([
    import(fileUrl(here, files.ort)),
    import(fileUrl(here, files.tokenizers)),
  ]);
  ort.env.wasm.numThreads = 1; // GitHub Pages: no cross-origin isolation, no threads
  ort.env.wasm.wasmPaths = { mjs: fileUrl(here, files.ort_glue) };
  ort.env.wasm.wasmBinary = wasm;
  ort.env.logLevel = "error";
  const text = new TextDecoder();
  const tokenizer = new tokenizers.Tokenizer(
    JSON.parse(text.decode(tokenizerJson)),
    JSON.parse(text.decode(tokenizerConfig)),
  );
  const session = await ort.InferenceSession.create(onnx, { executionProviders: ["wasm"] });
  const { max_tokens: maxTokens, query_prefix: prefix, output, inputs } = model;
  const embed = async (query) => {
    let ids = tokenizer.encode(prefix + query).ids;
    if (ids.length > maxTokens) ids = [...ids.slice(0, maxTokens - 1), ids.at(-1)];
    const shape = [1, ids.length];
    const feeds = {
      [inputs[0]]: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), shape),
      [inputs[1]]: new ort.Tensor("int64", new BigInt64Array(ids.length).fill(1n), shape),
    };
    return (await session.run(feeds))[output].data;
  };
  await embed(WARM_UP); // the first run of the wasm is slow: pay it now, not on a query
  return embed;
}

/** A failed download or start in words a visitor understands. */
export function humanError(error) {
  const message = String(error?.message ?? error);
  if (/fetch|network|HTTP|broke off/i.test(message)) {
    return "не удалось скачать модель — проверьте подключение к интернету и попробуйте ещё раз";
  }
  if (/quota|memory|allocation/i.test(message)) {
    return "браузеру не хватило памяти для модели";
  }
  return "модель не запустилась в этом браузере";
}
