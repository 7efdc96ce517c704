"""Unit tests for pipeline.params: strict sections, path resolution, errors."""

from pathlib import Path

import pytest

from pipeline.params import (
    SECTIONS,
    ExtractParams,
    GraphParams,
    LinkParams,
    NormalizeParams,
    ParamsError,
    load_all,
    load_section,
    project_root,
)

ROOT = Path(__file__).resolve().parents[2]


def _params(tmp_path, body, name="params.yaml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def test_params_project_file_loads():
    sections = load_all(ROOT / "params.yaml")
    assert set(sections) == set(SECTIONS)
    for name, cls in SECTIONS.items():
        assert isinstance(sections[name], cls)


def test_params_values_and_lists_become_tuples(tmp_path):
    path = _params(tmp_path, "normalize:\n  languages: [en]\n  min_chars: 5\ngraph:\n  node_types: [person]\n")
    assert load_section(path, "normalize") == NormalizeParams(languages=("en",), min_chars=5)
    assert load_section(path, "graph") == GraphParams(node_types=("person",))


def test_params_missing_section_gives_defaults(tmp_path):
    path = _params(tmp_path, "normalize:\n  min_chars: 5\n")
    assert load_section(path, "graph") == GraphParams()
    assert load_section(path, "extract").max_meeting_participants == ExtractParams().max_meeting_participants


@pytest.mark.parametrize(
    ("body", "section", "message"),
    [
        ("normalize:\n  min_chars: 5\n  min_char: 6\n", "normalize", "unknown key"),  # a typo
        ("link:\n  gazeteer: false\n", "link", "unknown key"),
        ("normalise:\n  min_chars: 5\n", "normalize", "unknown section"),
        ("normalise:\n  min_chars: 5\n", "link", "unknown section"),  # whatever section is asked for
        ("- normalize\n- ner\n", "normalize", "expected a mapping"),
        ("normalize: [unclosed\n", "normalize", "cannot read params file"),
        ("graph:\n  co_mention_min_docs: [1, 2]\n  node_types: person\n  nodes: 3\n", "graph", "unknown key"),
    ],
)
def test_params_errors(tmp_path, body, section, message):
    path = _params(tmp_path, body)
    with pytest.raises(ParamsError, match=message):
        load_section(path, section)
    with pytest.raises(ParamsError):
        load_all(path)


def test_params_unknown_key_in_another_section_is_caught_by_that_section(tmp_path):
    path = _params(tmp_path, "graph:\n  co_mention_min_doc: 2\n")
    assert load_section(path, "normalize") == NormalizeParams()
    with pytest.raises(ParamsError, match=r"\[graph\].*co_mention_min_doc"):
        load_section(path, "graph")


def test_params_missing_file(tmp_path):
    with pytest.raises(ParamsError, match="not found"):
        load_section(tmp_path / "nope.yaml", "link")
    with pytest.raises(ParamsError, match="not found"):
        load_all(tmp_path / "nope.yaml")


def test_params_empty_file_gives_defaults(tmp_path):
    path = _params(tmp_path, "")
    assert load_section(path, "normalize") == NormalizeParams()


def test_params_relative_paths_resolve_against_the_params_folder(tmp_path):
    sub = tmp_path / "conf"
    sub.mkdir()
    path = _params(sub, "link:\n  kb: kb/entities.jsonl\nextract:\n  topics: ../t/topics.yaml\n")
    assert load_section(path, "link").kb == str(sub.resolve() / "kb" / "entities.jsonl")
    assert load_section(path, "extract").topics == str(sub.resolve() / ".." / "t" / "topics.yaml")


def test_params_path_lists_resolve_each_path(tmp_path):
    path = _params(tmp_path, "ner:\n  zh_voters: [voters/K, /abs/N]\n")
    assert load_section(path, "ner").zh_voters == (str(tmp_path.resolve() / "voters" / "K"), "/abs/N")
    assert load_section(_params(tmp_path, "ner:\n  zh_voters: []\n"), "ner").zh_voters == ()


def test_params_absolute_paths_stay(tmp_path):
    target = tmp_path / "elsewhere" / "entities.jsonl"
    path = _params(tmp_path, f"link:\n  kb: {target}\n")
    assert load_section(path, "link").kb == str(target)


def test_params_non_path_strings_are_not_resolved(tmp_path):
    path = _params(tmp_path, "ner:\n  spacy_model: en_core_web_sm\nnormalize:\n  opencc_configs: [hk2s]\n")
    assert load_section(path, "ner").spacy_model == "en_core_web_sm"
    assert load_section(path, "normalize").opencc_configs == ("hk2s",)


def test_params_relative_paths_in_the_project_file_point_into_the_project():
    link = load_section(ROOT / "params.yaml", "link")
    assert Path(link.kb) == ROOT.resolve() / "models" / "kb" / "entities.jsonl"


def test_params_defaults_without_a_file():
    assert load_section(None, "graph") == GraphParams()
    assert load_section(None, "link").gazetteer is True
    assert project_root() == ROOT.resolve()


def test_params_default_paths_resolve_against_project_root():
    assert Path(load_section(None, "link").kb) == project_root() / "models" / "kb" / "entities.jsonl"


def test_params_sections_are_frozen():
    with pytest.raises(AttributeError):
        LinkParams().kb = "x"  # type: ignore[misc]
