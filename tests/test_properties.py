"""Property-based tests: random and mutated input never gives a 500, a crash or a change.

Every case ends in a success or a clear 4xx (or a located SourceError for files), the
store is unchanged, and the service keeps answering.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import FIRST, ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.model.namespaces import IRIs
from kg.pipeline.build import add_event_closure
from kg.sources.annotations import build_statement
from kg.sources.ontology import load_ontology
from kg.sources.reference import ReferenceIndex, Vocabulary, load_reference
from kg.sources.yamlsource import SourceError
from kg.web import conneg

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])
SPARQL_WORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE", "WHERE", "{", "}", "?s", "?p", "?o",
                "<http://e/x>", "FILTER", "(", ")", "OPTIONAL", "UNION", "LIMIT", "1", '"a"',
                "GRAPH", "SERVICE", "VALUES", ".", ";", "*", "PREFIX", "e:", "BIND", "AS"]


def _count(client) -> int:
    r = client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"})
    return int(json.loads(r.data)["results"]["bindings"][0]["n"]["value"])


@pytest.fixture(scope="module")
def size(client) -> int:
    return _count(client)


@FAST
@given(st.text(max_size=300))
def test_random_text_as_a_query(client, size, text):
    r = client.get("/sparql", query_string={"query": text})
    assert r.status_code in (200, 400, 403, 406, 422, 503), r.data[:200]
    assert b"Traceback" not in r.data


@FAST
@given(st.lists(st.sampled_from(SPARQL_WORDS), max_size=25))
def test_mutated_queries(client, size, words):
    r = client.post("/sparql", data=" ".join(words), content_type="application/sparql-query")
    assert r.status_code in (200, 400, 403, 406, 422, 503)
    assert b"Traceback" not in r.data


HEADER_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",),
                                             blacklist_characters="\r\n\x00"), max_size=120)


@FAST
@given(accept=HEADER_TEXT, content_type=HEADER_TEXT, fmt=st.one_of(st.none(), HEADER_TEXT))
def test_random_headers(client, size, accept, content_type, fmt):
    params = {"query": "ASK {}"}
    if fmt is not None:
        params["format"] = fmt
    r = client.get("/sparql", query_string=params, headers={"Accept": accept})
    assert r.status_code in (200, 400, 406)
    r = client.post("/sparql", data="ASK {}", headers={"Content-Type": content_type})
    assert r.status_code in (200, 400, 406, 415)


@FAST
@given(st.text(max_size=200))
def test_accept_parsing_never_fails(accept):
    for kind in (conneg.SOLUTIONS, conneg.BOOLEAN, conneg.GRAPH):
        try:
            conneg.choose(kind, accept)
        except conneg.NotAcceptable:
            pass


@FAST
@given(name=st.sampled_from(["figures-for-event", "figure-over-time", "quote-search",
                             "responsibility", "statement-claims", "accusations"]),
       key=st.sampled_from(["event", "delegation", "measure", "text", "statement", "accused",
                            "page", "page_size", "bogus"]),
       value=st.text(max_size=80))
def test_random_saved_query_parameters(client, size, name, key, value):
    r = client.get(f"/queries/{name}.json", query_string={key: value})
    assert r.status_code in (200, 400), r.data[:300]
    if r.status_code == 400:
        assert json.loads(r.data)["error"]


def test_the_store_is_unchanged_after_all_that(client, size):
    assert _count(client) == size


# -- the annotation parser ------------------------------------------------------------------

@pytest.fixture(scope="module")
def parser_env():
    iris = IRIs()
    ontology = load_ontology(ROOT / "ontology")
    reference = load_reference(ROOT / "data" / "reference", iris)
    add_event_closure(reference)
    return iris, Vocabulary(ontology), ReferenceIndex(reference)


def _mutations():
    scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                       st.text(max_size=40), st.lists(st.text(max_size=5), max_size=3))
    known = ["id", "speaker", "date", "delegation", "sha256", "meeting", "text", "start", "end",
             "kind", "sentence", "about", "span", "value", "qualifier", "measure", "part_of",
             "min", "max", "population", "affiliation", "format"]
    keys = st.one_of(st.sampled_from(known), st.text(min_size=1, max_size=20))
    return st.tuples(st.sampled_from(["statement", "sentence", "claim", "figure"]), keys, scalar)


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_mutations(), min_size=1, max_size=4))
def test_mutated_annotation_files_give_located_errors(parser_env, tmp_path_factory, mutations):
    iris, vocab, refs = parser_env
    folder = tmp_path_factory.mktemp("mutated")
    statements = ROOT / "data" / "statements"
    (folder / f"{FIRST}.txt").write_bytes((statements / f"{FIRST}.txt").read_bytes())
    data = yaml.safe_load((statements / f"{FIRST}.yaml").read_text(encoding="utf-8"))
    for where, key, value in mutations:
        target = {"statement": data["statement"],
                  "sentence": data["sentences"]["p11.s1"],
                  "claim": data["claims"][3],
                  "figure": next(c for c in data["claims"] if c["kind"] == "figure")["figures"][0],
                  }[where]
        target[key] = value
    path = folder / f"{FIRST}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000))
    try:
        build_statement(path, iris, vocab, refs)
    except SourceError as exc:
        assert str(exc).startswith(str(path))
        assert exc.message


@FAST
@given(st.binary(max_size=400))
def test_random_bytes_as_an_annotation_file(parser_env, tmp_path_factory, blob):
    iris, vocab, refs = parser_env
    path: Path = tmp_path_factory.mktemp("random") / "random-file.yaml"
    path.write_bytes(blob)
    try:
        build_statement(path, iris, vocab, refs)
    except SourceError as exc:
        assert str(exc).startswith(str(path))


# -- kg extract: random and adversarial text ------------------------------------------------

WORDS = ["About", "over", "4,000", "719", "civilians", "people", "were", "killed", "including",
         "went", "missing", "in", "February", "1992", "since", "30", "years", "Armenia",
         "Azerbaijan", "Khojaly", "hundreds", "of", "thousands", "1e308", "10" * 40, "-5",
         "½", "٣٠٠", "百", "\u202e", "\u200f", "שלום", "مدنيين", "\x00", "\x1b[31m", "\ufeff",
         "\u0301", "\t", "\r\n", ".", "!", "?", ";", "“", "”", "(", ")", "-", "—", " "]


@pytest.fixture(scope="module")
def extractor():
    from kg.extract.extract import Extractor

    iris = IRIs()
    return Extractor(load_reference(ROOT / "data" / "reference", iris),
                     load_ontology(ROOT / "ontology"))


def _check_draft(text: str, draft) -> None:
    from kg.extract.extract import draft_yaml, to_json

    for item in [*draft.figures, *draft.times, *draft.mentions]:
        assert 0 <= item.start <= item.end <= len(text)
    json.dumps(to_json(draft))
    yaml.safe_load(draft_yaml(draft, "fuzz", "fuzz.txt", "0" * 64))


@FAST
@given(st.lists(st.sampled_from(WORDS), max_size=80).map(" ".join))
def test_word_salad_drafts_or_is_refused(extractor, text):
    from kg.extract.extract import InputError

    try:
        draft = extractor.extract(text, date="2021-05-25")
    except InputError:
        return
    _check_draft(text, draft)


@FAST
@given(st.text(max_size=400))
def test_random_text_drafts_or_is_refused(extractor, text):
    from kg.extract.extract import InputError

    try:
        draft = extractor.extract(text)
    except InputError:
        return
    _check_draft(text, draft)


ADVERSARIAL = {
    "long-line": "About 4000 people went missing " + "and more " * 110_000 + ".",
    "huge-number": "In total " + "9" * 5000 + " people were killed.",
    "many-numbers": " ".join(f"{i} civilians were killed." for i in range(20_000)),
    "control": "About 4000\x00 people\x07 went\x1b[2J missing.\x0c Over 200,000 were expelled.",
    "rtl-mixed": "\u202eAbout 4000 people\u202c went missing; قُتل 719 مدنيين. 百人 were hurt.",
    "no-sentences": " \n\t " * 1000,
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_kg_extract_on_adversarial_text_is_clean(name, tmp_path):
    import subprocess
    import sys

    path = tmp_path / f"{name}.txt"
    path.write_text(ADVERSARIAL[name], encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kg", "--home", str(ROOT), "extract", "--json",
                           str(path), "--id", "fuzz-statement"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode in (0, 2), done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    if done.returncode == 0:
        json.loads(done.stdout)
    else:
        assert done.stderr.startswith("error: ")


# -- RDF uploads: mutated documents --------------------------------------------------------

UPLOAD_TOKEN = "fuzz-token"
SCRATCH = "https://w3id.org/ekg/graph/statement/fuzz"  # only statement graphs can be written
_FUZZ = "<https://w3id.org/ekg/id/statement/fuzz>"
_DOC = "<https://w3id.org/ekg/id/doc/fuzz>"
_EKG = "https://w3id.org/ekg/ont#"
STATEMENT = (  # the least a statement graph holds: its statement and source document
    f"{_FUZZ} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{_EKG}Statement> .\n"
    f"{_FUZZ} <{_EKG}speaker> <https://w3id.org/ekg/id/person/yashar-aliyev> .\n"
    f"{_FUZZ} <{_EKG}delegation> <https://w3id.org/ekg/id/state/AZE> .\n"
    f"{_FUZZ} <{_EKG}atMeeting> <https://w3id.org/ekg/id/meeting/unsc-2021-05-25-poc> .\n"
    f'{_FUZZ} <http://purl.org/dc/terms/date> "2021-05-25"^^'
    "<http://www.w3.org/2001/XMLSchema#date> .\n"
    f"{_FUZZ} <http://www.w3.org/ns/prov#wasDerivedFrom> {_DOC} .\n"
    f"{_DOC} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{_EKG}SourceDocument> .\n"
    f'{_DOC} <{_EKG}sha256> "{"0" * 64}" .\n'
    f'{_DOC} <{_EKG}charCount> "0"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
DOCUMENTS = {
    "text/turtle": ('@prefix ex: <http://example.org/> .\nex:s ex:p "a"@en , 12 , 3.5e2 ;\n'
                    '  ex:q [ ex:r ( 1 2 "x" ) ] .\n'),
    "application/ld+json": ('{"@context": {"ex": "http://example.org/"}, "@id": "ex:s", '
                            '"ex:p": [{"@value": "a", "@language": "en"}, 12], '
                            '"ex:q": {"ex:r": {"@list": [1, 2, "x"]}}}'),
    "application/rdf+xml": ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
                            '02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/"><rdf:Descrip'
                            'tion rdf:about="http://example.org/s"><ex:p xml:lang="en">a</ex:p>'
                            '</rdf:Description></rdf:RDF>'),
    "application/n-triples": '<http://example.org/s> <http://example.org/p> "a\\u00e9" .\n',
}


@pytest.fixture(scope="module")
def upload_client(built_file):
    from conftest import make_app

    application = make_app(built_file, UPDATE_TOKEN=UPLOAD_TOKEN, MAX_BODY=3_000_000)
    yield application.test_client()
    application.extensions["kg"].close()


def _mutate(document: str, edits: list[tuple[int, int, str]]) -> str:
    for position, cut, insert in edits:
        at = position % (len(document) + 1)
        document = document[:at] + insert + document[at + cut:]
    return document


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(sorted(DOCUMENTS)),
       st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8),
                          st.sampled_from(["", "{", "}", "[", "]", "<", ">", '"', "\\", "@",
                                           ":", ".", ";", "&", "\x00", "é", "\U0001F600",
                                           "<!DOCTYPE x>", '"@context": "http://e/c"',
                                           "_:b", "^^", "@base <../..> .", "x" * 1000])),
                max_size=4))
def test_mutated_uploads_are_stored_or_refused_cleanly(upload_client, size, content_type,
                                                       edits):
    body = _mutate(DOCUMENTS[content_type], edits)
    response = upload_client.put("/graph-store", query_string={"graph": SCRATCH},
                                 data=body.encode("utf-8", "surrogatepass"),
                                 content_type=content_type,
                                 headers={"Authorization": f"Bearer {UPLOAD_TOKEN}"})
    assert response.status_code in (200, 201, 204, 400, 413, 415, 422), response.data[:300]
    if response.status_code >= 400:
        assert b"Traceback" not in response.data and response.data.strip()
    upload_client.delete("/graph-store", query_string={"graph": SCRATCH},
                         headers={"Authorization": f"Bearer {UPLOAD_TOKEN}"})
    assert _count(upload_client) == size


def test_a_huge_literal_under_the_body_limit_is_stored(upload_client, size):
    body = STATEMENT + f'{_FUZZ} <http://example.org/p> "{"é" * 1_400_000}" .\n'
    auth = {"Authorization": f"Bearer {UPLOAD_TOKEN}"}
    r = upload_client.put("/graph-store", query_string={"graph": SCRATCH}, data=body.encode(),
                          content_type="application/n-triples", headers=auth)
    assert r.status_code in (201, 204)
    upload_client.delete("/graph-store", query_string={"graph": SCRATCH}, headers=auth)
    assert _count(upload_client) == size
