"""How kg serve sizes its workers and query processes to the store and the memory."""

from __future__ import annotations

import subprocess
import time

import live
import pyoxigraph as ox

from kg.store.capacity import BYTES_PER_QUAD, count_quads, plan_serving

GIB = 2**30


def test_a_small_store_gets_two_workers_with_two_query_processes_each():
    plan = plan_serving(300_000, 20 * GIB, 2 * GIB)
    assert (plan.workers, plan.query_processes, plan.fits) == (2, 2, True)
    assert plan.replica == 300_000 * BYTES_PER_QUAD
    assert plan.need == 2 * (3 * plan.replica + 2 * 2 * GIB)


def test_a_store_of_100k_statements_gets_one_copy_per_query_process_that_fits():
    plan = plan_serving(17_156_434, 22 * GIB, 2 * GIB)  # the 100k benchmark corpus
    assert (plan.workers, plan.query_processes, plan.fits) == (1, 1, True)
    assert plan.need <= 0.85 * 22 * GIB


def test_middle_sizes_keep_two_workers_before_two_query_processes():
    plan = plan_serving(5_000_000, 16 * GIB, 2 * GIB)  # 2 × (2 × 2 GB + 2 GiB) fits, 2 × 3 does not
    assert (plan.workers, plan.query_processes) == (2, 1)


def test_a_store_too_big_for_any_layout_is_served_by_the_smallest_with_a_warning():
    plan = plan_serving(60_000_000, 22 * GIB, 2 * GIB)
    assert (plan.workers, plan.query_processes, plan.fits) == (1, 1, False)
    assert "more than fits" in plan.describe()


def test_numbers_given_explicitly_are_kept():
    plan = plan_serving(17_156_434, 22 * GIB, 2 * GIB, workers=2)
    assert (plan.workers, plan.query_processes, plan.fits) == (2, 1, False)
    plan = plan_serving(1_000, 22 * GIB, 0, workers=3, processes=4)
    assert (plan.workers, plan.query_processes, plan.fits) == (3, 4, True)


def test_count_quads_reads_an_on_disk_store(built_file, tmp_path):
    assert count_quads(tmp_path / "none") == 0
    store = ox.Store(str(tmp_path / "store"))
    store.bulk_load(path=str(built_file), format=ox.RdfFormat.N_QUADS)
    expected = len(store)
    del store
    assert expected > 1000 and count_quads(tmp_path / "store") == expected


def test_kg_serve_plans_its_layout_and_says_so(built_file, tmp_path):
    server = live.start(built_file, tmp_path, workers="auto", KG_QUERY_PROCESSES="1")
    try:
        text = server.log_text()
        assert "serving with 2 worker(s) × 1 query process(es) for " in text
        deadline = time.monotonic() + 30  # each worker warms up before it serves
        while text.count("warm-up done") < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            text = server.log_text()
        assert text.count("warm-up done") == 2, text
        workers = subprocess.run(["pgrep", "-P", str(server.process.pid)], capture_output=True,
                                 text=True).stdout.split()
        assert len(workers) == 2, text
    finally:
        server.stop()


def test_kg_serve_refuses_a_bad_worker_count(built_file, tmp_path):
    env = live.environment(built_file, tmp_path)
    done = subprocess.run(live.KG + ["serve", "--no-build", "--workers", "none"], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "give a number of at least 1, or auto" in done.stderr
