"""serve-data: the store published read-only by Datasette, tested with Datasette's own client
against the store built from data/; figures written by hand from seed 001 (the Q2 2019/20 report)."""

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from harrow_kpi import ingest, opendata, store, uploads
from tests.helpers import ROOT, private_store

UNPUBLISHED = ["uploads", "observation_history", "scorecard_measures", "ward_boundaries", "meta",
               "sign_in_attempts"]


def get(path, *urls):
    """(status, body) of each URL, from one Datasette instance over the store at ``path``."""
    datasette = opendata.datasette(path)

    async def fetch():
        await datasette.invoke_startup()
        return [await datasette.client.get(url) for url in urls]

    return [(response.status_code, response.text) for response in asyncio.run(fetch())]


@pytest.fixture()
def recorded(db_file, tmp_path):
    """A store with an accepted upload and a sign-in attempt, as the app writes them."""
    path = private_store(db_file, tmp_path)
    text = ("indicator_id,period,actual,target,rag,status_note,commentary,ward_code\n"
            "book-issues,2019/20 Q3,\"301,200\",300000,LG,,,\n")
    with store.opened(path) as db:
        checked = ingest.check(text.encode(), "q3.csv", uploads.context(db))
    uploads.commit(path, checked, "jsmith")
    with store.opened(path) as db:  # the sign-in audit's row, as harrow_kpi.auth records one
        db["sign_in_attempts"].insert({"attempt_id": 1, "at": dt.datetime.now(dt.UTC).isoformat(), "method": "password",
                                       "officer": "jsmith", "officer_key": "jsmith", "client": "127.0.0.1",
                                       "outcome": "refused", "wait_seconds": 0.0, "reason": "wrong password"},
                                      pk="attempt_id")
    return path


def test_a_measures_history_answers_as_json_with_the_printed_figures(db_file):
    [(status, body)] = get(db_file, f"/{db_file.stem}/measure_history.json?indicator_id=book-issues&_shape=array")
    assert status == 200
    rows = {row["period"]: row for row in json.loads(body) if row["ward_code"] is None}
    q2 = rows["2019/20 Q2"]  # seed 001 line 135: book issues 219,200 in Q2 2019/20
    assert (q2["actual"], q2["actual_as_printed"], q2["seed"], q2["line"]) == (219200, "219,200",
                                                                               "001_efe026106ea22757.txt", 135)
    assert rows["2016/17"]["actual"] == 755637  # seed 000: 755,637 issues in 2016/17
    assert list(rows).index("2016/17") < list(rows).index("2019/20 Q2")  # oldest first


def test_a_quarters_scorecard_has_every_measure_on_it(db_file):
    [(status, body)] = get(db_file, f"/{db_file.stem}/quarter_scorecard.json?period=2019/20+Q2&_shape=array"
                                    "&_size=max")
    rows = json.loads(body)
    assert status == 200 and len(rows) == 114
    first = rows[0]  # seed 001: measure 1, residents able to influence local decisions, target 22, actual 24
    assert (first["indicator_id"], first["target"], first["actual"]) == ("residents-influence-local-decisions", 22, 24)
    homeless = next(row for row in rows if row["indicator_id"] == "homelessness-prevented")
    assert (homeless["target"], homeless["actual"], homeless["rag_reported"]) == (120, 114, "A")


def test_officer_and_upload_tables_are_not_published(recorded):
    name = recorded.stem
    with store.opened(recorded) as db:
        assert db["uploads"].count == 1 and db["sign_in_attempts"].count == 1
    urls = [f"/{name}/{table}{suffix}" for table in UNPUBLISHED for suffix in ("", ".json", ".csv", "/1.json")]
    for url, (status, _) in zip(urls, get(recorded, *urls), strict=True):
        assert status == 404, url
    (listing, listed), (sql, _), (download, _), (meta, metadata_body) = get(
        recorded, f"/{name}.json", f"/{name}.json?sql=select+*+from+uploads", f"/{name}.db", "/-/metadata.json")
    assert listing == 200
    assert {table["name"] for table in json.loads(listed)["tables"]} == set(opendata.PUBLIC_TABLES)
    assert "jsmith" not in listed and "jsmith" not in metadata_body
    assert sql == 403 and download == 403  # no free SQL, no download of the whole file


def test_published_tables_answer_and_are_read_only(recorded):
    name = recorded.stem
    [(status, body)] = get(recorded, f"/{name}/observations.json?indicator_id=book-issues&period=2019/20+Q2"
                                     "&_shape=array")
    assert status == 200 and [row["actual"] for row in json.loads(body)] == [219200]
    datasette = opendata.datasette(recorded)
    assert [db.is_mutable for db in datasette.databases.values() if db.name == name] == [False]


def test_the_metadata_names_documents_and_licences(db_file):
    meta = opendata.metadata("harrow_kpi")
    assert "Harrow Council" in meta["license"]
    assert meta["databases"]["harrow_kpi"]["tables"]["wards"]["license"] == "Open Government Licence v3.0"
    for title, seed in opendata.documents():
        assert seed in meta["description"] and title in meta["description"]
    assert meta["databases"]["harrow_kpi"]["tables"]["observations"]["columns"]["actual_as_printed"]
    assert meta["databases"]["harrow_kpi"]["allow_sql"] is False


def test_serve_data_starts_a_server_on_the_given_port(db_file):
    port = 8651
    server = subprocess.Popen([sys.executable, "-m", "harrow_kpi", "serve-data", "--db", str(db_file),
                               "--port", str(port), "--host", "127.0.0.1"], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/{db_file.stem}/measure_history.json"
                                            "?indicator_id=book-issues&_shape=array", timeout=5) as answer:
                    rows = json.load(answer)
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None and time.monotonic() < deadline, server.stderr.read()
                time.sleep(0.5)
        assert 219200 in [row["actual"] for row in rows]
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/{db_file.stem}/uploads.json", timeout=5)
        assert refused.value.code == 404
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_draft_quarter_is_absent_from_the_published_copy_until_it_is_published(recorded, tmp_path):
    """recorded holds an upload of book issues for 2019/20 Q3, a draft until an officer publishes it."""
    (tmp_path / "draft").mkdir()
    (tmp_path / "published").mkdir()
    copy = opendata.published(recorded, tmp_path / "draft")
    with store.opened(copy) as db:
        assert set(db.table_names()) == set(opendata.PUBLIC_TABLES)
        assert db.execute("SELECT count(*) FROM observations WHERE period = '2019/20 Q3'").fetchone()[0] == 0
    [(status, body)] = get(copy, f"/{copy.stem}/measure_history.json?indicator_id=book-issues&_shape=array")
    assert status == 200 and "2019/20 Q3" not in [row["period"] for row in json.loads(body)]
    uploads.publish(recorded, "2019/20 Q3", "asingh", needed=1)
    copy = opendata.published(recorded, tmp_path / "published")
    [(status, body)] = get(copy, f"/{copy.stem}/measure_history.json?indicator_id=book-issues&_shape=array")
    q3 = [row for row in json.loads(body) if row["period"] == "2019/20 Q3"]
    assert [row["actual"] for row in q3] == [301200]
