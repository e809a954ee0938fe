"""Entities and relations from text (seed 001, sections 2.2 and 3.2): importers, BIO, scoring,
taggers (dictionary, feature CRF, BiLSTM-CRF), relation extraction and graph triples. Callers
import the modules they use by name; none is imported here."""

__all__ = ["bio", "corpus", "crf", "dictionary", "embeddings", "feature_crf", "lexicon", "neural", "pipeline", "relations", "scoring",
           "word_classes"]
