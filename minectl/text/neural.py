"""BiLSTM-CRF tagger (the seed's model without BERT): word embeddings (optionally initialised
with skip-gram vectors trained here on the unlabelled text), a character CNN or BiLSTM (words
never seen in training still get a representation from their spelling), an optional
dictionary-tag embedding, a BiLSTM, and a CRF (`use_crf=False`: per-token softmax, the seed's
ablation). Early stopping on the dev set's entity micro F1; the best epoch's weights are kept.

Saved as a torch state_dict (read back with `torch.load(weights_only=True)`: tensors only, no
code) and a JSON file of settings, vocabularies and dictionary terms: never pickle."""

from __future__ import annotations

import json
import pickle  # only its UnpicklingError: torch.load(weights_only=True) raises it on a foreign file
import warnings
from collections.abc import Callable
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from minectl.errors import DataError
from minectl.text.bio import bio_to_spans, check_bio_tags, flatten, spans_to_bio
from minectl.text.corpus import Document, Span
from minectl.text.crf import CRF
from minectl.text.dictionary import (
    dictionaries_from_json,
    dictionaries_to_json,
    held_out_match_tags,
    match_tags,
    segment,
    segmenting_terms,
    training_terms,
)
from minectl.text.scoring import entity_scores

PAD, UNK = 0, 1


def unreadable(meta: Path, exc: Exception) -> DataError:
    """The one-line error of a saved tagger that cannot be read back."""
    return DataError(f"{meta.parent}: saved tagger unreadable ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}); "
                     "expected the tagger files a `minectl factors extract` run writes")
MAX_WORD = 24  # characters of a word the char encoder reads


class Network(nn.Module):
    def __init__(self, n_words: int, n_chars: int, n_dict: int, n_tags: int, p: dict):
        super().__init__()
        self.word = nn.Embedding(n_words, p["word_dim"], padding_idx=PAD)
        self.char = nn.Embedding(n_chars, p["char_dim"], padding_idx=PAD)
        if p["char_encoder"] == "cnn":
            self.char_encoder = nn.Conv1d(p["char_dim"], p["char_hidden"], kernel_size=3, padding=1)
            char_out = p["char_hidden"]
        else:
            self.char_encoder = nn.LSTM(p["char_dim"], p["char_hidden"] // 2, batch_first=True, bidirectional=True)
            char_out = 2 * (p["char_hidden"] // 2)
        self.dict = nn.Embedding(n_dict, p["dict_dim"]) if p["dict_dim"] else None
        width = p["word_dim"] + char_out + p["dict_dim"]
        self.dropout = nn.Dropout(p["dropout"])
        self.lstm = nn.LSTM(width, p["hidden"], batch_first=True, bidirectional=True)
        self.emit = nn.Linear(2 * p["hidden"], n_tags)
        self.crf = CRF(n_tags) if p["use_crf"] else None

    def _chars(self, chars: torch.Tensor) -> torch.Tensor:
        b, n, w = chars.shape
        x = self.char(chars.view(b * n, w))  # (B*L, W, C)
        if isinstance(self.char_encoder, nn.Conv1d):
            h = self.char_encoder(x.transpose(1, 2))  # (B*L, H, W)
            h = h.masked_fill((chars.view(b * n, 1, w) == PAD), -1e4).max(dim=2).values
            h = torch.where(h < -1e3, torch.zeros_like(h), h)  # padded words: all characters masked
        else:  # packed: each direction's last state is the word's own, however long the batch's longest word
            lengths = (chars.view(b * n, w) != PAD).sum(dim=1).clamp(min=1)  # a padding word: its one PAD, never read on
            _, (last, _) = self.char_encoder(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            h = torch.cat([last[0], last[1]], dim=1)
        return h.view(b, n, -1)

    def forward(self, words, chars, dicts) -> torch.Tensor:
        parts = [self.word(words), self._chars(chars)]
        if self.dict is not None:
            parts.append(self.dict(dicts))
        # packed: the backward LSTM starts at each sentence's own last word, so a sentence's tags do not
        # depend on the longer sentences it is batched with (unpacked, it read their padding first)
        x = pack_padded_sequence(self.dropout(torch.cat(parts, dim=2)), (words != PAD).sum(dim=1), batch_first=True, enforce_sorted=False)
        h, _ = pad_packed_sequence(self.lstm(x)[0], batch_first=True, total_length=words.shape[1])
        return self.emit(self.dropout(h))


class NeuralTagger:
    """scikit-learn-style: ``fit(docs, dev, unlabelled)``, ``predict(docs)``; `save`/`load`."""

    def __init__(self, use_crf: bool = True, char_encoder: str = "cnn", word_dim: int = 100, char_dim: int = 30,
                 char_hidden: int = 50, dict_dim: int = 20, hidden: int = 100, dropout: float = 0.5, word_dropout: float = 0.05,
                 learning_rate: float = 0.003, batch_size: int = 16, max_epochs: int = 40, patience: int = 8,
                 word_vectors: bool = True, vector_epochs: int = 5, terms: dict | None = None, dict_folds: int = 5,
                 min_precision: float = 0.5, dictionary_first: float | None = 0.9, nested: float | None = None,
                 random_state: int = 0):
        self.use_crf = use_crf
        self.char_encoder = char_encoder
        self.word_dim = word_dim
        self.char_dim = char_dim
        self.char_hidden = char_hidden
        self.dict_dim = dict_dim
        self.hidden = hidden
        self.dropout = dropout
        self.word_dropout = word_dropout
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.word_vectors = word_vectors
        self.vector_epochs = vector_epochs
        self.terms = terms
        self.dict_folds = dict_folds
        self.min_precision = min_precision
        self.dictionary_first = dictionary_first
        self.nested = nested
        self.random_state = random_state

    _SETTINGS = ("use_crf", "char_encoder", "word_dim", "char_dim", "char_hidden", "dict_dim", "hidden", "dropout")

    # ------------------------------------------------------------------ encoding

    def _encode(self, docs: list[Document], dict_tags: list[list[str]]):
        # a token `<PAD>` (a padded export) looked up as the padding id: the mask (W != PAD) and the LSTM's lengths left it
        # out, so every tag after it fell one token early (`replace <pad> pump`: `<pad>` tagged as the Item); it is unknown
        words = [[max(self.words_.get(t.lower(), UNK), UNK) for t in d.tokens] for d in docs]
        chars = [[[self.chars_.get(c, UNK) for c in t[:MAX_WORD]] for t in d.tokens] for d in docs]
        dicts = [[self.dict_tags_.get(t, 0) for t in tags] for tags in dict_tags]
        return words, chars, dicts

    @staticmethod
    def _batch(words, chars, dicts, tags=None):
        n = max(len(w) for w in words)
        w_len = max(len(c) for seq in chars for c in seq)
        W = torch.zeros(len(words), n, dtype=torch.long)
        C = torch.zeros(len(words), n, w_len, dtype=torch.long)
        D = torch.zeros(len(words), n, dtype=torch.long)
        Y = torch.zeros(len(words), n, dtype=torch.long)
        for b in range(len(words)):
            m = len(words[b])
            W[b, :m] = torch.tensor(words[b])
            D[b, :m] = torch.tensor(dicts[b])
            if tags is not None:
                Y[b, :m] = torch.tensor(tags[b])
            for i, cs in enumerate(chars[b]):
                C[b, i, :len(cs)] = torch.tensor(cs)
        return W, C, D, Y, W != PAD

    def _loss(self, emissions, Y, mask):
        if self.network_.crf is not None:
            return -self.network_.crf.log_likelihood(emissions, Y, mask).mean()
        return nn.functional.cross_entropy(emissions[mask], Y[mask])

    def _decode(self, emissions, mask) -> list[list[int]]:
        if self.network_.crf is not None:
            return self.network_.crf.decode(emissions, mask)
        best = emissions.argmax(2)
        return [best[b, : int(mask[b].sum())].tolist() for b in range(len(best))]

    # ------------------------------------------------------------------ fit / predict

    def fit(self, docs: list[Document], dev: list[Document], unlabelled: list[list[str]] | None = None,
            progress: Callable[[int], None] | None = None) -> NeuralTagger:
        """Train on ``docs``, stop early on ``dev``'s entity F1. ``unlabelled``: more sentences
        (tokens) for the word vocabulary and skip-gram vectors; ``progress(1)`` after each epoch."""
        from minectl.text.embeddings import skipgram_vectors

        torch.manual_seed(self.random_state)
        generator = torch.Generator().manual_seed(self.random_state)
        sentences = [[t.lower() for t in d.tokens] for d in docs] + [[t.lower() for t in s] for s in unlabelled or []]
        self.words_ = {"<pad>": PAD, "<unk>": UNK}
        for sentence in sentences:
            for w in sentence:
                self.words_.setdefault(w, len(self.words_))
        self.chars_ = {"<pad>": PAD, "<unk>": UNK}
        for d in docs:
            for c in "".join(d.tokens):
                self.chars_.setdefault(c, len(self.chars_))
        gold_tags = [spans_to_bio(len(d.tokens), flatten(d.entities)[0]) for d in docs]
        self.tags_ = sorted({t for tags in gold_tags for t in tags} | {"O"})
        self.terms_ = {**(self.terms or {}), **training_terms(docs, self.min_precision)}
        self.first_terms_, self.nested_terms_ = segmenting_terms(docs, self.terms, self.dictionary_first, self.nested)
        train_dict = held_out_match_tags(docs, self.terms or {}, self.dict_folds, self.min_precision)
        self.dict_tags_ = {t: i for i, t in enumerate(sorted({"O"} | {t for tags in match_tags(docs, self.terms_) for t in tags}), 1)}
        self.network_ = Network(len(self.words_), len(self.chars_), len(self.dict_tags_) + 1, len(self.tags_), self._params())
        if self.word_vectors:
            vectors = skipgram_vectors(sentences, self.words_, self.word_dim, epochs=self.vector_epochs, random_state=self.random_state)
            with torch.no_grad():
                self.network_.word.weight.copy_(vectors / vectors.std().clamp(min=1e-6) * 0.1)
                self.network_.word.weight[PAD] = 0
        tag_index = {t: i for i, t in enumerate(self.tags_)}
        words, chars, dicts = self._encode(docs, train_dict)
        targets = [[tag_index[t] for t in tags] for tags in gold_tags]
        optimiser = torch.optim.Adam(self.network_.parameters(), lr=self.learning_rate)
        best, best_state, waited, self.dev_f1_ = -1.0, None, 0, []
        for _epoch in range(self.max_epochs):
            self.network_.train()
            order = torch.randperm(len(docs), generator=generator).tolist()
            for start in range(0, len(order), self.batch_size):
                idx = order[start:start + self.batch_size]
                W, C, D, Y, mask = self._batch([words[i] for i in idx], [chars[i] for i in idx], [dicts[i] for i in idx],
                                               [targets[i] for i in idx])
                if self.word_dropout:  # words replaced by <unk>: the tagger learns to tag unseen words
                    W = torch.where(mask & (torch.rand(W.shape, generator=generator) < self.word_dropout), UNK, W)
                loss = self._loss(self.network_(W, C, D), Y, mask)
                optimiser.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.network_.parameters(), 5.0)
                optimiser.step()
            f1 = entity_scores([d.entities for d in dev], self.predict(dev))["micro"]["f1"] if dev else 0.0
            self.dev_f1_.append(f1)
            if progress:
                progress(1)
            if f1 > best:
                best, waited = f1, 0
                best_state = {k: v.detach().clone() for k, v in self.network_.state_dict().items()}
            else:
                waited += 1
                if waited >= self.patience:
                    break
        self.network_.load_state_dict(best_state)
        self.network_.eval()
        return self

    def _params(self) -> dict:
        return {name: getattr(self, name) for name in self._SETTINGS}

    @torch.no_grad()
    def predict(self, docs: list[Document], batch_size: int = 256) -> list[list[Span]]:
        self.network_.eval()
        words, chars, dicts = self._encode(docs, match_tags(docs, self.terms_))
        spans = []
        for start in range(0, len(docs), batch_size):
            sl = slice(start, start + batch_size)
            W, C, D, _, mask = self._batch(words[sl], chars[sl], dicts[sl])
            for path in self._decode(self.network_(W, C, D), mask):
                spans.append(bio_to_spans([self.tags_[i] for i in path]))
        return segment(docs, spans, self.first_terms_, self.nested_terms_)

    # ------------------------------------------------------------------ save / load

    def save(self, weights: Path, meta: Path) -> None:
        """Write the weights (torch state_dict) and the JSON of settings and vocabularies."""
        torch.save(self.network_.state_dict(), weights)
        meta.write_text(json.dumps({
            "kind": "neural", "params": self._params(), "words": list(self.words_), "chars": list(self.chars_), "tags": self.tags_,
            "dict_tags": list(self.dict_tags_), **dictionaries_to_json(self),
        }))

    @classmethod
    def load(cls, weights: Path, meta: Path, info: dict) -> NeuralTagger:
        try:
            params = info["params"]
            tagger = cls(**params)
            tagger.words_ = {w: i for i, w in enumerate(info["words"])}
            tagger.chars_ = {c: i for i, c in enumerate(info["chars"])}
            tagger.tags_ = list(info["tags"])
            check_bio_tags(tagger.tags_)
            tagger.dict_tags_ = {t: i for i, t in enumerate(info["dict_tags"], 1)}
            dictionaries_from_json(tagger, info)
            state = torch.load(weights, weights_only=True)  # refuses any pickled object but tensors (UnpicklingError)
            sizes = (len(tagger.words_), len(tagger.chars_), len(tagger.dict_tags_) + 1, len(tagger.tags_), params)
            with torch.device("meta"), warnings.catch_warnings():  # tagger.json's sizes checked by the weights' shapes in no
                warnings.filterwarnings("ignore", message="for .*: copying from a non-meta parameter")  # memory (word_dim 10**6: 7 GB)
                Network(*sizes).load_state_dict(state)
            network = Network(*sizes)
            network.load_state_dict(state)
            if not all(torch.isfinite(t).all() for t in network.state_dict().values() if t.is_floating_point()):
                raise ValueError("a weight is not finite")
        except (OSError, ValueError, KeyError, TypeError, RuntimeError, pickle.UnpicklingError) as exc:
            raise unreadable(meta, exc) from None
        tagger.network_ = network.eval()
        return tagger
